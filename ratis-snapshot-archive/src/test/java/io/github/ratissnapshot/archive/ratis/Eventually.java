package io.github.ratissnapshot.archive.ratis;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Polling with a deadline instead of sleeps. */
final class Eventually {
  private Eventually() {}

  /** Waits until {@code condition} holds, checking every 50 ms, or fails after {@code timeout}. */
  static void until(Duration timeout, String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Throwable last = null;
    while (System.nanoTime() < deadline) {
      try {
        if (condition.getAsBoolean()) {
          return;
        }
      } catch (RuntimeException e) {
        last = e;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("timed out after " + timeout + " waiting for " + what, last);
  }
}
