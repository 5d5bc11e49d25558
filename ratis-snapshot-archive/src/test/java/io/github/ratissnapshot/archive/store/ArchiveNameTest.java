package io.github.ratissnapshot.archive.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ArchiveNameTest {
  private static final UUID GROUP = UUID.fromString("02511d59-1a25-4ae6-a2d0-6c48e3a4d2b1");

  @Test
  void aNameSortsByTimeAndCarriesTermAndIndex() {
    ArchiveName n = new ArchiveName(GROUP, Instant.parse("2026-12-02T04:05:06.789Z"), 3, 1200);

    assertThat(n.key()).isEqualTo("02511d59-1a25-4ae6-a2d0-6c48e3a4d2b1/20261202T040506Z-t3-i1200.snap");
    assertThat(ArchiveName.parse(GROUP, n.fileName())).contains(n);
    assertThat(n.created()).as("to the second").isEqualTo(Instant.parse("2026-12-02T04:05:06Z"));
  }

  @Test
  void anythingElseIsForeign() {
    for (String foreign : new String[] {"backup.snap", "20261202T040506Z-t3-i1200.snap.sha256",
        "20261202T040506Z-t3-i1200.snap.part", "20261302T040506Z-t3-i1200.snap", "20261202T040506Z-t-1-i5.snap",
        "20261202T040506Z-t03-i1200.snap", "20261202T040506Z-t3-i1200.SNAP", "x20261202T040506Z-t3-i1200.snap"}) {
      assertThat(ArchiveName.parse(GROUP, foreign)).as(foreign).isEmpty();
    }
  }
}
