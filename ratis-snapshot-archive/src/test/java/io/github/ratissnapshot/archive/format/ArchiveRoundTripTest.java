package io.github.ratissnapshot.archive.format;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ArchiveRoundTripTest {
  private static final Configuration CONF = new Configuration(List.of(
      new Server(Suffrage.VOTER, "n1", "127.0.0.1:9001"),
      new Server(Suffrage.NONVOTER, "n2", "127.0.0.1:9002")));

  @Test
  void writtenArchiveVerifiesWithSameMetaAndStateHash() throws Exception {
    long size = 3 * 1024 * 1024 + 17;
    SnapshotMeta meta = SnapshotMeta.of(3, 1234, CONF, 7, size, Instant.ofEpochMilli(1_700_000_000_123L));
    ByteArrayOutputStream archive = new ByteArrayOutputStream();
    ArchiveSummary written = ArchiveWriter.defaults().write(archive, meta, TestStates.stream(1, size));

    ArchiveSummary read = ArchiveReader.defaults().verify(new ByteArrayInputStream(archive.toByteArray()));

    assertThat(read.meta()).isEqualTo(meta);
    assertThat(read.entries()).isEqualTo(written.entries());
    assertThat(read.state().sha256()).isEqualTo(TestStates.sha256(1, size));
  }
}
