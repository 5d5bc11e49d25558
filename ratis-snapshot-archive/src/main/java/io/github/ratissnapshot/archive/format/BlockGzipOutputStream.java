package io.github.ratissnapshot.archive.format;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Writes one gzip member whose deflate data is compressed in fixed-size blocks, each on a worker thread
 * with the previous block's last 32 KiB as its dictionary, joined by sync flushes, as pigz does.
 *
 * <p>The output is a single ordinary gzip member: every gzip reader, Consul's included, reads it as it
 * reads any other. It depends only on the bytes written and the level, never on the number of threads:
 * one thread compresses the same blocks in the calling thread. The header is the one Go's
 * {@code compress/gzip} writes (no name, MTIME 0, OS 255).
 *
 * <p>Not thread-safe: one thread writes. {@link #finish()} completes the member; {@link #close()}
 * finishes it and stops the workers but never closes the target stream, which the caller owns. After a
 * failure, call {@link #release()} to stop the workers without writing more.
 */
final class BlockGzipOutputStream extends OutputStream {
  /** Uncompressed bytes per block: twice pigz's default, and below G1's humongous-object size on small heaps. */
  static final int BLOCK_SIZE = 256 * 1024;
  private static final int DICTIONARY = RawDeflate.DICTIONARY;

  private final OutputStream out;
  private final int level;
  private final ExecutorService workers;
  private final int maxInFlight;
  private final ArrayDeque<Future<byte[]>> inFlight = new ArrayDeque<>();
  private final ConcurrentLinkedQueue<Deflater> deflaters = new ConcurrentLinkedQueue<>();
  private final CRC32 crc = new CRC32();
  private final byte[] one = new byte[1];
  private byte[] block = new byte[BLOCK_SIZE];
  private int blockLength;
  private byte[] previous;
  private long total;
  private boolean headerWritten;
  private boolean finished;
  private volatile boolean released;

  /**
   * Starts a member.
   *
   * @param out where the compressed bytes go; not closed by this stream
   * @param level the deflate level, 0 to 9 (or -1 for zlib's default, 6)
   * @param threads the number of compressing threads; 1 compresses in the calling thread
   */
  BlockGzipOutputStream(OutputStream out, int level, int threads) {
    if (level < -1 || level > 9) {
      throw new IllegalArgumentException("gzip level must be -1 to 9, got " + level);
    }
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1, got " + threads);
    }
    this.out = out;
    this.level = level;
    this.maxInFlight = 2 * threads + 1;
    this.workers = threads == 1 ? null : Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "gzip-deflate");
      t.setDaemon(true);
      return t;
    });
  }

  @Override
  public void write(int b) throws IOException {
    one[0] = (byte) b;
    write(one, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    if (finished) {
      throw new IOException("gzip member already finished");
    }
    crc.update(b, off, len);
    total += len;
    while (len > 0) {
      int n = Math.min(len, BLOCK_SIZE - blockLength);
      System.arraycopy(b, off, block, blockLength, n);
      blockLength += n;
      off += n;
      len -= n;
      if (blockLength == BLOCK_SIZE) {
        submit(false);
      }
    }
  }

  /**
   * Compresses what is buffered as the final block, writes everything and the gzip trailer. Idempotent.
   *
   * @throws IOException if writing to the target fails or a worker failed
   */
  void finish() throws IOException {
    if (finished) {
      return;
    }
    submit(true);
    while (!inFlight.isEmpty()) {
      drainOne();
    }
    out.write(trailer(crc, total));
    finished = true;
  }

  /** Stops the workers and frees the deflaters without writing anything more. Idempotent. */
  void release() {
    if (released) {
      return;
    }
    released = true;
    for (Future<byte[]> f : inFlight) {
      f.cancel(true);
    }
    inFlight.clear();
    if (workers != null) {
      workers.shutdownNow();
    }
    Deflater d;
    while ((d = deflaters.poll()) != null) {
      d.end();
    }
  }

  /** Finishes the member and releases the workers; the target stream stays open. */
  @Override
  public void close() throws IOException {
    try {
      finish();
    } finally {
      release();
    }
  }

  private void submit(boolean last) throws IOException {
    if (!headerWritten) {
      out.write(header(level));
      headerWritten = true;
    }
    byte[] input = block;
    int length = blockLength;
    byte[] dictionary = previous;
    previous = length == BLOCK_SIZE ? input : null;
    block = last ? null : new byte[BLOCK_SIZE];
    blockLength = 0;
    if (workers == null) {
      out.write(compress(input, length, dictionary, last));
      return;
    }
    if (inFlight.size() >= maxInFlight) {
      drainOne();
    }
    inFlight.add(workers.submit(() -> compress(input, length, dictionary, last)));
  }

  private void drainOne() throws IOException {
    Future<byte[]> head = inFlight.poll();
    try {
      out.write(head.get());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while compressing");
    } catch (ExecutionException e) {
      throw new IOException("failed to compress a block: " + e.getCause(), e.getCause());
    }
  }

  private byte[] compress(byte[] input, int length, byte[] dictionary, boolean last) {
    Deflater d = deflaters.poll();
    if (d == null) {
      d = new Deflater(level, true);
    }
    try {
      return dictionary == null
          ? RawDeflate.deflate(d, null, 0, 0, input, 0, length, last)
          : RawDeflate.deflate(d, dictionary, dictionary.length - DICTIONARY, DICTIONARY, input, 0, length, last);
    } finally {
      if (released) {
        d.end();
      } else {
        deflaters.add(d);
      }
    }
  }

  /** The 10-byte header Go's gzip writer emits: no flags, MTIME 0, XFL by level, OS 255 (unknown). */
  static byte[] header(int level) {
    int xfl = level == Deflater.BEST_COMPRESSION ? 2 : level == Deflater.BEST_SPEED ? 4 : 0;
    return new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, (byte) xfl, (byte) 0xff};
  }

  /** The 8-byte gzip trailer: the CRC-32 of the uncompressed bytes and their count mod 2^32, little-endian. */
  static byte[] trailer(CRC32 crc, long uncompressedBytes) {
    return trailer(crc.getValue(), uncompressedBytes);
  }

  /** Returns the gzip trailer for a member with that CRC-32 (its low 32 bits) and that many bytes. */
  static byte[] trailer(long crcValue, long uncompressedBytes) {
    byte[] t = new byte[8];
    for (int i = 0; i < 4; i++) {
      t[i] = (byte) (crcValue >>> (8 * i));
      t[4 + i] = (byte) (uncompressedBytes >>> (8 * i));
    }
    return t;
  }
}
