package io.github.ratissnapshot.archive.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.ratissnapshot.archive.format.ArchiveException.Problem;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The records of meta.json and of a read or written archive: validation and defensive copies. */
class ValuesTest {
  @Test
  void snapshotMetaOfNamesTheSnapshotAsHashicorpRaftDoes() {
    SnapshotMeta meta = SnapshotMeta.of(2, 43459, Configuration.EMPTY, 1, 81853,
        Instant.ofEpochMilli(1_651_147_313_637L));

    assertThat(meta).isEqualTo(new SnapshotMeta(1, "2-43459-1651147313637", 43459, 2, null, Configuration.EMPTY, 1,
        81853));
    assertThat(meta.withSize(5).size()).isEqualTo(5);
    assertThat(meta.withSize(5).id()).isEqualTo(meta.id());
  }

  @Test
  void snapshotMetaReadsTheCreationTimeFromAnIdOfHashicorpRaftsForm() {
    Instant at = Instant.ofEpochMilli(1_651_147_313_637L);
    assertThat(SnapshotMeta.of(2, 43459, Configuration.EMPTY, 1, 81853, at).created()).contains(at);
    for (String id : List.of("x", "2-43459", "2-43459-0", "2-43459-soon", "a-2-43459-1651147313637")) {
      assertThat(new SnapshotMeta(1, id, 0, 0, null, Configuration.EMPTY, 0, 0).created()).as(id).isEmpty();
    }
  }

  @Test
  void snapshotMetaRejectsValuesGoWouldNotWrite() {
    assertThatThrownBy(() -> new SnapshotMeta(2, "x", 0, 0, null, Configuration.EMPTY, 0, 0))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("unsupported snapshot version 2 (supported: 0 to 1)");
    assertThatThrownBy(() -> new SnapshotMeta(1, "x", -1, 0, null, Configuration.EMPTY, 0, 0))
        .isExactlyInstanceOf(IllegalArgumentException.class).hasMessage("Index must not be negative, got -1");
    assertThatThrownBy(() -> new SnapshotMeta(1, "x", 0, -2, null, Configuration.EMPTY, 0, 0))
        .isExactlyInstanceOf(IllegalArgumentException.class).hasMessage("Term must not be negative, got -2");
    assertThatThrownBy(() -> new SnapshotMeta(1, "x", 0, 0, null, Configuration.EMPTY, -3, 0))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("ConfigurationIndex must not be negative, got -3");
    assertThatThrownBy(() -> Fixtures.META.withSize(-4))
        .isExactlyInstanceOf(IllegalArgumentException.class).hasMessage("Size must not be negative, got -4");
    assertThatThrownBy(() -> new SnapshotMeta(1, null, 0, 0, null, Configuration.EMPTY, 0, 0))
        .isExactlyInstanceOf(NullPointerException.class).hasMessage("id");
    assertThatThrownBy(() -> new SnapshotMeta(1, "x", 0, 0, null, null, 0, 0))
        .isExactlyInstanceOf(NullPointerException.class).hasMessage("configuration");
  }

  @Test
  void snapshotMetaCopiesPeersInAndOut() {
    byte[] peers = {1, 2, 3};
    SnapshotMeta meta = new SnapshotMeta(1, "x", 0, 0, peers, Configuration.EMPTY, 0, 0);
    peers[0] = 9;
    meta.peers()[1] = 9;

    assertThat(meta.peers()).containsExactly(1, 2, 3);
    assertThat(meta).isEqualTo(new SnapshotMeta(1, "x", 0, 0, new byte[] {1, 2, 3}, Configuration.EMPTY, 0, 0))
        .hasSameHashCodeAs(new SnapshotMeta(1, "x", 0, 0, new byte[] {1, 2, 3}, Configuration.EMPTY, 0, 0));
    assertThat(meta).isNotEqualTo(new SnapshotMeta(1, "x", 0, 0, null, Configuration.EMPTY, 0, 0));
    assertThat(meta.toString()).isEqualTo("SnapshotMeta[version=1, id=x, index=0, term=0, peers=AQID, "
        + "configuration=Configuration[servers=[]], configurationIndex=0, size=0]");
  }

  @Test
  void configurationCopiesItsServersAndRejectsNulls() {
    List<Server> servers = new ArrayList<>(List.of(new Server(Suffrage.VOTER, "n1", "a:1")));
    Configuration conf = new Configuration(servers);
    servers.add(new Server(Suffrage.STAGING, "n2", ""));

    assertThat(conf.servers()).hasSize(1);
    assertThatThrownBy(() -> conf.servers().add(null)).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> new Configuration(null)).isExactlyInstanceOf(NullPointerException.class)
        .hasMessage("servers");
    assertThatThrownBy(() -> new Server(null, "n", "a")).isExactlyInstanceOf(NullPointerException.class)
        .hasMessage("suffrage");
    assertThatThrownBy(() -> new Server(Suffrage.VOTER, null, "a")).isExactlyInstanceOf(NullPointerException.class)
        .hasMessage("id");
    assertThatThrownBy(() -> new Server(Suffrage.VOTER, "n", null)).isExactlyInstanceOf(NullPointerException.class)
        .hasMessage("address");
  }

  @Test
  void suffrageCodesAreHashicorpRafts() {
    assertThat(Suffrage.VOTER.code()).isZero();
    assertThat(Suffrage.NONVOTER.code()).isEqualTo(1);
    assertThat(Suffrage.STAGING.code()).isEqualTo(2);
    assertThat(Suffrage.ofCode(2)).isEqualTo(Suffrage.STAGING);
    assertThatThrownBy(() -> Suffrage.ofCode(3)).isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("Suffrage 3 is not 0 (Voter), 1 (Nonvoter) or 2 (Staging)");
  }

  @Test
  void archiveEntryCopiesItsDigestAndPrintsItAsHex() {
    byte[] digest = Fixtures.sha256(new byte[0]);
    ArchiveEntry entry = new ArchiveEntry("state.bin", 0, digest);
    digest[0] = 0;
    entry.sha256()[1] = 0;

    assertThat(entry.sha256Hex()).isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assertThat(entry.toString()).isEqualTo(
        "ArchiveEntry[state.bin, 0 bytes, sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855]");
    assertThat(entry).isEqualTo(new ArchiveEntry("state.bin", 0, Fixtures.sha256(new byte[0])));
    assertThatThrownBy(() -> new ArchiveEntry("x", -1, digest)).isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("size must not be negative, got -1");
    assertThatThrownBy(() -> new ArchiveEntry("x", 0, new byte[31])).isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("sha256 must be 32 bytes");
  }

  @Test
  void exceptionsCarryTheirProblemAndEntry() {
    CorruptArchiveException e = new CorruptArchiveException(Problem.HASH_MISMATCH, "state.bin", "bad", null);

    assertThat(e.problem()).isEqualTo(Problem.HASH_MISMATCH);
    assertThat(e.entryName()).isEqualTo("state.bin");
    assertThat(e).isInstanceOf(ArchiveException.class).isInstanceOf(IOException.class).hasMessage("bad");
    assertThatThrownBy(() -> new ArchiveException(null, "m")).isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("problem must not be null");
    assertThatThrownBy(() -> new CorruptArchiveException(Problem.HASH_MISMATCH, null, "m"))
        .isExactlyInstanceOf(IllegalArgumentException.class).hasMessage("entryName must not be null");
  }
}
