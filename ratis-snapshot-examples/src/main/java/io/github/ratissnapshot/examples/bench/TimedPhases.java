package io.github.ratissnapshot.examples.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Times a benchmark's phases and samples the heap while they run (every 10 ms, after a GC before each), so
 * that a benchmark can say both how fast and in how much memory. One per benchmark run; not thread-safe.
 */
final class TimedPhases {
  /** One phase of a benchmark. */
  interface Phase {
    void run() throws IOException;
  }

  private long peakHeap;

  /** Runs a phase and returns how long it took in seconds. */
  double time(Phase p) throws IOException {
    System.gc();
    AtomicLong peak = new AtomicLong();
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    Thread sampler = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
        try {
          Thread.sleep(10);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "heap-sampler");
    sampler.setDaemon(true);
    sampler.start();
    long start = System.nanoTime();
    try {
      p.run();
    } finally {
      sampler.interrupt();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    peakHeap = Math.max(peakHeap, peak.get());
    return seconds;
  }

  /** Returns the most heap used in any phase so far. */
  long peakHeap() {
    return peakHeap;
  }
}
