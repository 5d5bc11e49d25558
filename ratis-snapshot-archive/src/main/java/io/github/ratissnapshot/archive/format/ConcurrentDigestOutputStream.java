package io.github.ratissnapshot.archive.format;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * A buffered stream that writes to another and feeds the same bytes to a {@link MessageDigest} on a second
 * thread, so that writing a file and hashing it (the MD5 of a Ratis snapshot, say) take the longer of the two
 * instead of their sum. Each full buffer is written by the caller's thread, then hashed by the digest thread
 * while the caller fills the next; at most {@value #BUFFERS} buffers are in use.
 *
 * <p>Call {@link #finish()} once everything is written: then the digest, which the caller owns and reads, holds
 * every byte. {@link #close()} stops the digest thread and must always be called (try-with-resources).
 * Neither closes the underlying stream, which the caller owns. A failure of the underlying stream is thrown to
 * the writer as it happens. One writer thread only; do not use the digest until {@link #finish()} returns.
 */
public final class ConcurrentDigestOutputStream extends OutputStream {
  private static final int BUFFERS = 4;
  private static final Chunk END = new Chunk(new byte[0], 0);

  private final OutputStream out;
  private final List<MessageDigest> digests;
  private final BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(BUFFERS);
  private final BlockingQueue<Chunk> full = new ArrayBlockingQueue<>(BUFFERS + 1);
  private final Thread hasher;
  private byte[] buffer;
  private int count;
  private boolean ended;

  private record Chunk(byte[] bytes, int length) {}

  /**
   * Starts the digest thread.
   *
   * @param out where the bytes go; not closed
   * @param digest fed every byte written, in order; complete once {@link #finish()} returns
   * @param bufferSize the size of each of the buffers, at least 1
   * @throws IllegalArgumentException if {@code bufferSize} is below 1
   */
  public ConcurrentDigestOutputStream(OutputStream out, MessageDigest digest, int bufferSize) {
    this(out, List.of(Objects.requireNonNull(digest, "digest")), bufferSize);
  }

  /**
   * Starts the digest thread, which feeds every digest in turn (MD5 and SHA-256 of a snapshot, say).
   *
   * @param out where the bytes go; not closed
   * @param digests each fed every byte written, in order; complete once {@link #finish()} returns
   * @param bufferSize the size of each of the buffers, at least 1
   * @throws IllegalArgumentException if {@code bufferSize} is below 1 or there is no digest
   */
  public ConcurrentDigestOutputStream(OutputStream out, List<MessageDigest> digests, int bufferSize) {
    if (digests.isEmpty()) {
      throw new IllegalArgumentException("no digest");
    }
    if (bufferSize < 1) {
      throw new IllegalArgumentException("buffer size " + bufferSize);
    }
    this.out = Objects.requireNonNull(out, "out");
    this.digests = List.copyOf(digests);
    for (int i = 0; i < BUFFERS; i++) {
      free.add(new byte[bufferSize]);
    }
    this.buffer = free.remove();
    this.hasher = new Thread(this::hash, digests.get(0).getAlgorithm().toLowerCase() + "-digest");
    hasher.setDaemon(true);
    hasher.start();
  }

  @Override
  public void write(int b) throws IOException {
    if (count == buffer.length) {
      drain();
    }
    buffer[count++] = (byte) b;
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    while (len > 0) {
      if (count == buffer.length) {
        drain();
      }
      int n = Math.min(len, buffer.length - count);
      System.arraycopy(b, off, buffer, count, n);
      count += n;
      off += n;
      len -= n;
    }
  }

  /** Writes what is buffered to the underlying stream and flushes it. */
  @Override
  public void flush() throws IOException {
    if (count > 0) {
      drain();
    }
    out.flush();
  }

  /**
   * Writes and flushes what is buffered and waits for the digest thread to hash every byte; afterwards the
   * digest holds all of them and no write is allowed.
   *
   * @throws IOException if the underlying stream fails, or the stream was finished or closed before
   * @throws InterruptedIOException if interrupted while waiting for the digest thread
   */
  public void finish() throws IOException {
    ensureOpen();
    flush();
    end();
  }

  /** Stops the digest thread, waiting for it; writes nothing more. Idempotent. */
  @Override
  public void close() throws IOException {
    if (!ended) {
      end();
    }
  }

  /** Writes the full or partial buffer, hands it to the digest thread and takes a free one. */
  private void drain() throws IOException {
    ensureOpen();
    out.write(buffer, 0, count);
    try {
      full.put(new Chunk(buffer, count));
      buffer = free.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for the digest thread");
    }
    count = 0;
  }

  private void end() throws IOException {
    ended = true;
    try {
      full.put(END);
      hasher.join();
    } catch (InterruptedException e) {
      hasher.interrupt();
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for the digest thread");
    }
  }

  private void ensureOpen() throws IOException {
    if (ended) {
      throw new IOException("the stream is finished or closed");
    }
  }

  private void hash() {
    try {
      while (true) {
        Chunk c = full.take();
        if (c == END) {
          return;
        }
        for (MessageDigest d : digests) {
          d.update(c.bytes(), 0, c.length());
        }
        free.put(c.bytes());
      }
    } catch (InterruptedException e) {
      // stopped by a writer that was interrupted; the digest is not read then
    }
  }
}
