package io.github.ratissnapshot.archive.ratis.client;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PullWindowTest {
  @Test
  void aSmallHeapPullsInChunksBelowG1sHumongousThresholdAndALargeOneIn4MiBChunks() {
    // G1 regions are 1 MiB in heaps under 2 GiB; an array of half a region or more is "humongous".
    for (long heap : new long[] {64L << 20, 256L << 20, (1L << 30) - 1}) {
      PulledSnapshot.Window w = PulledSnapshot.Window.forHeap(heap);
      assertThat(w).as("window at a %d-byte heap", heap).isEqualTo(PulledSnapshot.Window.SMALL_HEAP);
      assertThat(w.chunk()).isLessThan(512 << 10);
      assertThat((long) w.chunk() * w.inFlight()).as("bytes in flight").isLessThanOrEqualTo(heap / 16);
    }
    assertThat(PulledSnapshot.Window.forHeap(1L << 30)).isEqualTo(PulledSnapshot.Window.LARGE);
    assertThat(PulledSnapshot.Window.LARGE.chunk()).isEqualTo(4 << 20);
  }
}
