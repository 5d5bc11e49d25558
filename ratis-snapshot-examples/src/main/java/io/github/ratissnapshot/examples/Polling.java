package io.github.ratissnapshot.examples;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The one way this module waits for something: poll a condition every 50 ms until it holds or a deadline
 * passes, then fail with one line naming what did not happen. No fixed sleeps.
 */
public final class Polling {
  private static final long INTERVAL_MILLIS = 50;

  private Polling() {}

  /**
   * Waits until {@code condition} holds. A condition that throws a runtime exception counts as not holding
   * yet; the last such exception becomes the cause of the timeout.
   *
   * @param timeout how long to wait
   * @param what what is awaited, for the message: "timed out after PT5M waiting for WHAT"
   * @param condition checked on the calling thread
   * @throws IOException if the deadline passes first
   * @throws InterruptedException if interrupted
   */
  public static void until(Duration timeout, String what, BooleanSupplier condition)
      throws IOException, InterruptedException {
    value(timeout, what, () -> condition.getAsBoolean() ? Optional.of(Boolean.TRUE) : Optional.empty());
  }

  /**
   * Waits until {@code probe} returns a value, and returns it.
   *
   * @param timeout how long to wait
   * @param what what is awaited, for the message
   * @param probe returns the value once there is one
   * @param <T> the value's type
   * @return the value
   * @throws IOException if the deadline passes first
   * @throws InterruptedException if interrupted
   */
  public static <T> T value(Duration timeout, String what, Supplier<Optional<T>> probe)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    RuntimeException last = null;
    while (true) {
      try {
        Optional<T> v = probe.get();
        if (v.isPresent()) {
          return v.get();
        }
      } catch (RuntimeException e) {
        last = e;
      }
      if (System.nanoTime() - deadline >= 0) {
        throw new IOException("timed out after " + timeout + " waiting for " + what, last);
      }
      Thread.sleep(INTERVAL_MILLIS);
    }
  }
}
