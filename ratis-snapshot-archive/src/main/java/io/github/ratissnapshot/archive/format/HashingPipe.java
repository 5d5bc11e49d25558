package io.github.ratissnapshot.archive.format;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Hashes a stream of chunks with SHA-256 and writes them to a sink, on a second thread when asked, so
 * that decompressing (the producer) and hashing plus writing (the consumer) use two cores.
 *
 * <p>The producer takes an empty buffer with {@link #buffer()}, fills it, hands it over with
 * {@link #push}, and ends with {@link #finish()}, which returns the digest. A failure of the sink is
 * reported by the producer's next call. {@link #close()} always stops the consumer; it does not close the
 * sink, which the caller owns. One producer thread only.
 */
final class HashingPipe implements AutoCloseable {
  private static final Chunk END = new Chunk(new byte[0], 0);

  private final OutputStream sink;
  private final MessageDigest digest = Digests.sha256();
  private final BlockingQueue<byte[]> free;
  private final BlockingQueue<Chunk> full;
  private final Thread consumer;
  private final byte[] inlineBuffer;
  private volatile Throwable failure;
  private boolean ended;

  private record Chunk(byte[] buffer, int length) {}

  /**
   * Starts a pipe.
   *
   * @param sink where the bytes go after hashing; not closed
   * @param chunkSize the size of each buffer
   * @param parallel whether to hash and write on a second thread
   */
  HashingPipe(OutputStream sink, int chunkSize, boolean parallel) {
    this.sink = sink;
    if (!parallel) {
      this.free = null;
      this.full = null;
      this.consumer = null;
      this.inlineBuffer = new byte[chunkSize];
      return;
    }
    int buffers = 4;
    this.inlineBuffer = null;
    this.free = new ArrayBlockingQueue<>(buffers);
    this.full = new ArrayBlockingQueue<>(buffers + 1);
    for (int i = 0; i < buffers; i++) {
      free.add(new byte[chunkSize]);
    }
    this.consumer = new Thread(this::consume, "archive-sha256");
    consumer.setDaemon(true);
    consumer.start();
  }

  /** Returns an empty buffer to fill; blocks while all are in use. */
  byte[] buffer() throws IOException {
    rethrow();
    if (consumer == null) {
      return inlineBuffer;
    }
    try {
      return free.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while hashing");
    }
  }

  /** Hands over {@code length} bytes of a buffer obtained from {@link #buffer()}. */
  void push(byte[] buffer, int length) throws IOException {
    if (consumer == null) {
      digest.update(buffer, 0, length);
      sink.write(buffer, 0, length);
      return;
    }
    rethrow();
    try {
      full.put(new Chunk(buffer, length));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while hashing");
    }
  }

  /** Waits until every chunk is hashed and written, and returns the SHA-256 of all of them. */
  byte[] finish() throws IOException {
    end();
    rethrow();
    return digest.digest();
  }

  /** Stops the consumer thread, waiting for it. Idempotent. */
  @Override
  public void close() throws IOException {
    end();
  }

  private void end() throws IOException {
    if (ended) {
      return;
    }
    ended = true;
    if (consumer == null) {
      return;
    }
    try {
      full.put(END);
      consumer.join();
    } catch (InterruptedException e) {
      consumer.interrupt();
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while hashing");
    }
  }

  private void consume() {
    try {
      while (true) {
        Chunk c = full.take();
        if (c == END) {
          return;
        }
        if (failure == null) {
          try {
            digest.update(c.buffer, 0, c.length);
            sink.write(c.buffer, 0, c.length);
          } catch (Throwable t) {
            failure = t;
          }
        }
        free.put(c.buffer);
      }
    } catch (InterruptedException e) {
      failure = new InterruptedIOException("interrupted while hashing");
    }
  }

  private void rethrow() throws IOException {
    Throwable t = failure;
    if (t == null) {
      return;
    }
    if (t instanceof IOException io) {
      throw io;
    }
    if (t instanceof UncheckedIOException u) {
      throw u.getCause();
    }
    if (t instanceof RuntimeException r) {
      throw r;
    }
    if (t instanceof Error e) {
      throw e;
    }
    throw new IOException(t);
  }
}
