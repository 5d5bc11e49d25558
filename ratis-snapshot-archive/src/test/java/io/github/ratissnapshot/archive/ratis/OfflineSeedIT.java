package io.github.ratissnapshot.archive.ratis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.ratissnapshot.archive.format.ArchiveException;
import io.github.ratissnapshot.archive.format.ArchiveWriter;
import io.github.ratissnapshot.archive.format.Configuration;
import io.github.ratissnapshot.archive.format.Digests;
import io.github.ratissnapshot.archive.format.Snapshot;
import io.github.ratissnapshot.archive.format.SnapshotMeta;
import io.github.ratissnapshot.archive.ratis.client.OfflineSeeder;
import io.github.ratissnapshot.archive.ratis.server.LocalSnapshots;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.storage.RaftStorage;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class OfflineSeedIT {
  @TempDir
  Path tmp;

  @Tag("compat")
  @Test
  void aNewGroupSeededFromAnArchiveHasEveryKeyTakesWritesAndBootstrapsAWipedFollower() throws Exception {
    Path archive = tmp.resolve("a.snap");
    Map<String, String> saved = new TreeMap<>();
    SnapshotMeta meta;
    try (LoopbackCluster a = LoopbackCluster.define(tmp.resolve("a"), 3, 0, KvTestStateMachine::new,
        LoopbackCluster::smallLogs).start()) {
      RaftServer.Division leader = a.leader();
      try (RaftClient client = a.client()) {
        for (int i = 0; i < 200; i++) {
          client.io().send(KvTestStateMachine.put("key" + i, "value" + i));
          saved.put("key" + i, "value" + i);
        }
      }
      try (Snapshot snap = LocalSnapshots.newBuilder(leader).timeout(Duration.ofMinutes(1)).build().save(tmp)) {
        Files.copy(snap.path(), archive);
        meta = snap.meta();
      }
    }
    LoopbackCluster.deleteTree(tmp.resolve("a"));

    RaftGroup groupB = newGroup("b1", "b2", "b3");
    Path rootB = tmp.resolve("b");
    for (RaftPeer p : groupB.getPeers()) {
      OfflineSeeder.Result r = OfflineSeeder.seed(archive, rootB.resolve(p.getId().toString()), groupB.getGroupId());
      assertThat(r.meta()).isEqualTo(meta);
      assertThat(r.snapshotFile().getFileName().toString())
          .isEqualTo("snapshot." + meta.term() + "_" + meta.index());
      assertThat(Files.readString(r.snapshotFile().resolveSibling(r.snapshotFile().getFileName() + ".md5")))
          .as("the .md5 written while extracting").startsWith(Digests.md5Hex(r.snapshotFile()) + " ");
    }
    try (LoopbackCluster b = LoopbackCluster.define(rootB, groupB, KvTestStateMachine::new,
        LoopbackCluster::smallLogs).startRecovering()) {
      RaftServer.Division leader = b.leader();
      assertThat(leader.getInfo().getLastAppliedIndex()).isGreaterThanOrEqualTo(meta.index());
      for (RaftPeerId id : b.runningIds()) {
        KvTestStateMachine sm = b.stateMachine(id);
        assertThat(sm.entries()).isEqualTo(saved);
      }
      try (RaftClient client = b.client()) {
        client.io().send(KvTestStateMachine.put("new", "write"));
      }
      saved.put("new", "write");
      for (RaftPeerId id : b.runningIds()) {
        KvTestStateMachine sm = b.stateMachine(id);
        Eventually.until(Duration.ofSeconds(30), id + " applies a new write", () -> sm.entries().equals(saved));
      }

      // A wiped follower: remove it, wipe it, start it empty, add it back: the leader bootstraps it.
      RaftPeerId follower = b.runningIds().stream().filter(id -> !id.equals(leader.getId())).findFirst().get();
      List<RaftPeer> others = new ArrayList<>(groupB.getPeers());
      others.removeIf(p -> p.getId().equals(follower));
      try (RaftClient client = b.client()) {
        assertThat(client.admin().setConfiguration(others).isSuccess()).isTrue();
        b.kill(follower);
        b.wipe(follower);
        b.start(follower, RaftStorage.StartupOption.FORMAT);
        assertThat(client.admin().setConfiguration(new ArrayList<>(groupB.getPeers())).isSuccess()).isTrue();
      }
      KvTestStateMachine wiped = b.stateMachine(follower);
      Eventually.until(Duration.ofSeconds(60), "the wiped follower catches up", () -> wiped.entries().equals(saved));
    }
  }

  @Test
  void seedRefusesANonEmptyGroupDirectoryAndLeavesItAlone() throws Exception {
    Path archive = validArchive(tmp.resolve("ok.snap"), 2, 10);
    RaftGroupId group = RaftGroupId.valueOf(UUID.randomUUID());
    Path storage = tmp.resolve("storage");
    Path groupDir = storage.resolve(group.getUuid().toString());
    Files.createDirectories(groupDir);
    Files.writeString(groupDir.resolve("keep-me"), "x");

    assertThatThrownBy(() -> OfflineSeeder.seed(archive, storage, group))
        .isInstanceOf(FileAlreadyExistsException.class)
        .hasMessageContaining("the group's storage directory exists and is not empty");
    assertThat(list(storage)).containsExactly(groupDir);
    assertThat(list(groupDir)).containsExactly(groupDir.resolve("keep-me"));
  }

  @Test
  void seedOfACorruptArchiveLeavesNothingBehind() throws Exception {
    Path archive = validArchive(tmp.resolve("bad.snap"), 2, 10);
    byte[] bytes = Files.readAllBytes(archive);
    bytes[bytes.length / 2] ^= 0x40;
    Files.write(archive, bytes);
    Path storage = tmp.resolve("storage");

    assertThatThrownBy(() -> OfflineSeeder.seed(archive, storage, RaftGroupId.valueOf(UUID.randomUUID())))
        .isInstanceOf(ArchiveException.class);
    assertThat(list(storage)).isEmpty();
  }

  @Test
  void seedRefusesAnArchiveOfTermZero() throws Exception {
    Path archive = validArchive(tmp.resolve("t0.snap"), 0, 10);
    Path storage = tmp.resolve("storage");

    assertThatThrownBy(() -> OfflineSeeder.seed(archive, storage, RaftGroupId.valueOf(UUID.randomUUID())))
        .isInstanceOf(IOException.class)
        .hasMessage("the archive's Term is 0: a Ratis group seeded with term 0 never elects a leader; "
            + "this archive cannot seed a group");
    assertThat(list(storage)).isEmpty();
  }

  @Test
  void seedRemovesTheLeftoversOfAnInterruptedSeedOfTheSameGroup() throws Exception {
    Path archive = validArchive(tmp.resolve("ok.snap"), 3, 10);
    RaftGroupId group = RaftGroupId.valueOf(UUID.randomUUID());
    Path storage = tmp.resolve("storage");
    Path leftover = storage.resolve(".seed-" + group.getUuid() + "-" + UUID.randomUUID());
    Files.createDirectories(leftover.resolve("sm"));
    Files.writeString(leftover.resolve("sm/half-written"), "x");

    OfflineSeeder.Result r = OfflineSeeder.seed(archive, storage, group);

    assertThat(list(storage)).containsExactly(r.groupDirectory());
  }

  private static Path validArchive(Path file, long term, long index) throws Exception {
    byte[] state = "not a real state".getBytes();
    SnapshotMeta meta = SnapshotMeta.of(term, index, Configuration.EMPTY, 1, state.length, Instant.now());
    try (OutputStream out = Files.newOutputStream(file)) {
      ArchiveWriter.defaults().write(out, meta, new ByteArrayInputStream(state));
    }
    return file;
  }

  private static List<Path> list(Path dir) throws Exception {
    if (!Files.exists(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.toList();
    }
  }

  private static RaftGroup newGroup(String... ids) throws Exception {
    List<RaftPeer> peers = new ArrayList<>();
    for (String id : ids) {
      peers.add(RaftPeer.newBuilder().setId(id).setAddress("127.0.0.1:" + LoopbackCluster.freePort()).build());
    }
    return RaftGroup.valueOf(RaftGroupId.valueOf(UUID.randomUUID()), peers);
  }
}
