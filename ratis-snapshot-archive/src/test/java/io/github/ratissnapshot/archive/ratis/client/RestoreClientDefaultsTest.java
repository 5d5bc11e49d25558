package io.github.ratissnapshot.archive.ratis.client;


import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** How many chunks a restore keeps in flight by default: as many as keep the log busy, as few as a small heap needs. */
class RestoreClientDefaultsTest {
  private static final int MIB = 1 << 20;

  @Test
  void aLargeHeapGetsTheFullWindow() {
    assertThat(RestoreClient.defaultInFlight(RestoreClient.DEFAULT_CHUNK, 6L << 30)).isEqualTo(24);
    assertThat(RestoreClient.defaultInFlight(RestoreClient.DEFAULT_CHUNK, 256L * MIB)).isEqualTo(24);
  }

  @Test
  void aSmallHeapGetsAWindowOfAnEighthOfIt() {
    assertThat(RestoreClient.defaultInFlight(RestoreClient.DEFAULT_CHUNK, 64L * MIB)).isEqualTo(8);
    assertThat(RestoreClient.defaultInFlight(RestoreClient.DEFAULT_CHUNK, 61L * MIB)).isEqualTo(7);
    assertThat(RestoreClient.defaultInFlight(4 * MIB, 64L * MIB)).isEqualTo(2);
  }

  @Test
  void neverFewerThanTwo() {
    assertThat(RestoreClient.defaultInFlight(RestoreClient.DEFAULT_CHUNK, 1L * MIB)).isEqualTo(2);
  }
}
