package io.github.ratissnapshot.examples.bench;

import io.github.ratissnapshot.archive.ratis.client.TransferProgress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Records when a save or restore reported each of its phases ({@link TransferProgress#phase}), with the CPU
 * spent until then, so that a benchmark can split one operation into its stages. Thread-safe.
 */
final class PhaseTimes implements TransferProgress {
  private record Phase(Span.Mark at, Stage stage) {}

  private final Supplier<Span.Mark> clock;
  private final Span.Mark start;
  private final List<Phase> phases = new ArrayList<>();

  /** Starts timing now; {@code clock} reads the time and the CPU spent so far. */
  PhaseTimes(Supplier<Span.Mark> clock) {
    this.clock = clock;
    this.start = clock.get();
  }

  @Override
  public void update(long done, long total) {
    // only phases are timed
  }

  @Override
  public void phase(Stage stage, String description) {
    Span.Mark now = clock.get();
    synchronized (this) {
      phases.add(new Phase(now, stage));
    }
  }

  /** Returns the mark this object was created at. */
  Span.Mark start() {
    return start;
  }

  /**
   * Returns the span from this object's creation until {@code stage} was first reported.
   *
   * @throws IllegalStateException if it was not reported
   */
  synchronized Span until(Stage stage) {
    for (Phase p : phases) {
      if (p.stage() == stage) {
        return start.to(p.at());
      }
    }
    throw new IllegalStateException("stage " + stage + " was not reported; stages: "
        + phases.stream().map(Phase::stage).distinct().toList());
  }
}
