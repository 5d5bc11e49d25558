package io.github.ratissnapshot.examples.bench;

/**
 * How long one stage of a benchmark took, in wall-clock seconds and in CPU seconds of every process taking part
 * (this JVM and any node processes), so that a report can say whether the stage kept the cores busy
 * ({@link #cores} near the processor count: CPU-bound) or waited (disk, network, a peer).
 *
 * @param seconds wall-clock seconds
 * @param cpuSeconds CPU seconds spent meanwhile, all threads and processes together
 */
record Span(double seconds, double cpuSeconds) {
  /** Returns the average number of busy cores. */
  double cores() {
    return seconds > 0 ? cpuSeconds / seconds : 0;
  }

  /** Returns this stage less an earlier part of it. */
  Span minus(Span part) {
    return new Span(seconds - part.seconds, cpuSeconds - part.cpuSeconds);
  }

  /** A point in time to measure a span from. */
  record Mark(long nanos, double cpuSeconds) {
    /** Returns the span from this mark to {@code later}. */
    Span to(Mark later) {
      return new Span((later.nanos - nanos) / 1e9, later.cpuSeconds - cpuSeconds);
    }
  }
}
