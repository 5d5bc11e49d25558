package io.github.ratissnapshot.archive.ratis.client;

import java.io.InterruptedIOException;
import java.util.concurrent.TimeUnit;

/**
 * The pauses between sends of a write that Ratis answered without appending it (a leader handing over, no
 * longer leading, or not ready yet): 50 ms, doubling up to 1 s, for at most {@link #BUDGET_MILLIS} from the
 * first such answer. A handover lasts at most its own timeout and an election a few seconds, so a write sent
 * again after a pause lands on a leader that appends it; sending it again at once would only collect the same
 * answer. Not thread-safe: one per write (or per run of writes) being retried.
 */
final class NotAppendedBackoff {
  /** How long a write may go on being answered "not appended" before the caller gives up. */
  static final long BUDGET_MILLIS = 60_000;

  private final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(BUDGET_MILLIS);
  private long pauseMillis = 50;

  /**
   * Pauses before the next send, unless the budget is spent.
   *
   * @return false, at once, if the budget is spent: the caller gives up with the last answer
   * @throws InterruptedIOException if interrupted while pausing
   */
  boolean pause() throws InterruptedIOException {
    if (System.nanoTime() - deadline > 0) {
      return false;
    }
    try {
      Thread.sleep(pauseMillis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for a leader to append a write");
    }
    pauseMillis = Math.min(2 * pauseMillis, 1_000);
    return true;
  }
}
