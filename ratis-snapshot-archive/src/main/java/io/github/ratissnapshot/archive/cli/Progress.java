package io.github.ratissnapshot.archive.cli;

import io.github.ratissnapshot.archive.ratis.client.TransferProgress;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A progress line for long operations on a terminal: bytes, rate and time left while bytes move, and the
 * operation's phase while they do not ({@code "restoring: n1 ready, n2 verifying"}), redrawn twice a second
 * on standard error; silent when standard error is not a terminal, so scripts and logs stay clean.
 * Thread-safe: any thread may {@link #add} bytes.
 */
final class Progress implements AutoCloseable, TransferProgress {
  private final String label;
  private volatile long total;
  private final PrintWriter err;
  private final AtomicLong done = new AtomicLong();
  private volatile String phase;
  /** When the first byte moved: the rate leaves out the time a server spent on its snapshot. */
  private volatile long firstByte;
  private final long start = System.nanoTime();
  private final ScheduledExecutorService ticker;

  private Progress(String label, long total, PrintWriter err, boolean enabled) {
    this.label = label;
    this.total = total;
    this.err = err;
    if (enabled) {
      ticker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "progress");
        t.setDaemon(true);
        return t;
      });
      ticker.scheduleAtFixedRate(this::draw, 500, 500, TimeUnit.MILLISECONDS);
    } else {
      ticker = null;
    }
  }

  /**
   * Starts a progress line if standard error is a terminal.
   *
   * @param label what is being done, such as "verifying"
   * @param total the expected number of bytes, or -1 if unknown
   * @param err where to draw
   */
  static Progress start(String label, long total, PrintWriter err) {
    return new Progress(label, total, err, System.console() != null);
  }

  /** Sets the bytes done and the total, for transfers that report both; the line shows bytes again. */
  void set(long doneSoFar, long totalBytes) {
    done.set(doneSoFar);
    total = totalBytes;
    phase = null;
    moved();
  }

  @Override
  public void update(long doneSoFar, long totalBytes) {
    set(doneSoFar, totalBytes);
  }

  /** Shows {@code description} instead of the bytes until the next {@link #set}, at once. */
  @Override
  public void phase(Stage stage, String description) {
    boolean changed = !description.equals(phase);
    phase = description;
    if (changed && ticker != null) {
      draw(); // a phase may last less than a tick, and it is what a person waits on
    }
  }

  /**
   * Prints {@code line} on a line of its own, terminal or not (the progress line, if drawn, is cleared first
   * and drawn again at the next tick), and starts the count and the rate over: for an operation that starts
   * again from nothing, and says why.
   */
  void println(String line) {
    done.set(0);
    firstByte = 0;
    phase = null;
    synchronized (err) {
      err.println((ticker != null ? "\r\033[K" : "") + line);
      err.flush();
    }
  }

  /** Counts {@code n} more bytes. */
  void add(long n) {
    done.addAndGet(n);
    moved();
  }

  /** Returns a stream that counts what is read through it. */
  InputStream count(InputStream in) {
    return new FilterInputStream(in) {
      @Override
      public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
          add(1);
        }
        return b;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        if (n > 0) {
          add(n);
        }
        return n;
      }
    };
  }

  private void moved() {
    if (firstByte == 0) {
      firstByte = System.nanoTime();
    }
  }

  /** Stops drawing and clears the line. */
  @Override
  public void close() {
    if (ticker != null) {
      ticker.shutdownNow();
      synchronized (err) {
        err.print("\r\033[K");
        err.flush();
      }
    }
  }

  private void draw() {
    String p = phase;
    if (p != null) {
      String line = "\r\033[K" + label + ": " + p;
      synchronized (err) {
        err.print(line.length() > 200 ? line.substring(0, 197) + "..." : line);
        err.flush();
      }
      return;
    }
    long d = done.get();
    double seconds = (System.nanoTime() - (firstByte == 0 ? start : firstByte)) / 1e9;
    double rate = seconds > 0 ? d / seconds : 0;
    StringBuilder line = new StringBuilder("\r\033[K").append(label).append(' ').append(Sizes.format(d));
    if (total > 0) {
      line.append(" of ").append(Sizes.format(total))
          .append(String.format(" (%d%%)", Math.min(100, d * 100 / total)));
    }
    line.append(", ").append(Sizes.format((long) rate)).append("/s");
    if (total > 0 && rate > 0 && d < total) {
      long eta = (long) ((total - d) / rate);
      line.append(String.format(", %d:%02d left", eta / 60, eta % 60));
    }
    synchronized (err) {
      err.print(line);
      err.flush();
    }
  }
}
