package io.github.ratissnapshot.archive.ratis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.ratissnapshot.archive.format.ArchiveReader;
import io.github.ratissnapshot.archive.format.CorruptArchiveException;
import io.github.ratissnapshot.archive.format.ArchiveSummary;
import io.github.ratissnapshot.archive.format.ArchiveWriter;
import io.github.ratissnapshot.archive.format.AtomicFile;
import io.github.ratissnapshot.archive.format.Digests;
import io.github.ratissnapshot.archive.format.TestStates;
import io.github.ratissnapshot.archive.ratis.client.GroupConnection;
import io.github.ratissnapshot.archive.ratis.client.SaveClient;
import io.github.ratissnapshot.archive.ratis.client.SnapshotLostException;
import io.github.ratissnapshot.archive.format.Snapshot;
import io.github.ratissnapshot.archive.ratis.client.TransferProgress;
import io.github.ratissnapshot.archive.format.RawDeflate;
import io.github.ratissnapshot.archive.ratis.protocol.ArchiveProtocol;
import io.github.ratissnapshot.archive.ratis.protocol.PinInfo;
import io.github.ratissnapshot.archive.ratis.protocol.RemoteArchiveException;
import io.github.ratissnapshot.archive.ratis.protocol.Replies;
import io.github.ratissnapshot.archive.ratis.protocol.RemoteProblem;
import io.github.ratissnapshot.archive.ratis.server.LocalSnapshots;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SnapshotManagementRequest;
import org.apache.ratis.rpc.CallId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

@Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RemoteSaveIT {
  private static final long STATE = 12L << 20;

  @TempDir
  Path tmp;

  @Tag("compat")
  @Test
  void leaderFollowerAndListenerEachSaveTheSameState() throws Exception {
    try (LoopbackCluster c = LoopbackCluster.define(tmp.resolve("c"), 3, 1, FileBackedStateMachine::new,
        LoopbackCluster::smallLogs).start()) {
      RaftServer.Division leader = c.leader();
      try (RaftClient client = c.client()) {
        client.io().send(FileBackedStateMachine.generate(3, STATE));
      }
      String expected = TestStates.sha256Hex(3, STATE);
      for (RaftPeerId id : c.runningIds()) {
        FileBackedStateMachine sm = c.stateMachine(id);
        Eventually.until(Duration.ofSeconds(60), id + " applied", () -> sm.sha256().equals(expected));
      }
      RaftPeerId follower = c.runningIds().stream()
          .filter(id -> !id.equals(leader.getId()) && !id.toString().equals("n4")).findFirst().get();
      for (RaftPeerId target : new RaftPeerId[] {null, follower, RaftPeerId.valueOf("n4")}) {
        for (Mode mode : Mode.values()) {
          Path file = tmp.resolve("save-" + target + "-" + mode + ".snap");
          List<String> pulls = new ArrayList<>();
          ArchiveSummary s = save(c, target, file, mode, pulls);
          assertThat(s.state().sha256Hex()).as("state saved from %s", target).isEqualTo(expected);
          try (InputStream in = Files.newInputStream(file)) {
            assertThat(ArchiveReader.defaults().verify(in).entries()).isEqualTo(s.entries());
          }
          RaftPeerId from = target == null ? leader.getId() : target;
          assertThat(pulls).singleElement().asString()
              .startsWith(from + " took a snapshot at index ")
              .endsWith(switch (mode) {
                case SERVER -> "; pulling it compressed by " + from;
                case HERE -> "; pulling it";
                // Every server hashed the snapshot it took for this save as it wrote it.
                case SERVER_VERIFIED_AFTERWARDS -> "; pulling it compressed and hashed by " + from;
              });
        }
      }
    }
  }

  @Test
  void aSnapshotInstalledByRatisCarriesNoHashSoEvenASaveVerifiedAfterwardsChecksItOnTheWayIn() throws Exception {
    try (LoopbackCluster c = LoopbackCluster.define(tmp.resolve("c"), 3, 0, KvTestStateMachine::new,
        LoopbackCluster::smallLogs).start()) {
      RaftServer.Division leader = c.leader();
      RaftPeerId lagging = c.runningIds().stream().filter(id -> !id.equals(leader.getId())).findFirst().get();
      long laggingLast = c.division(lagging).getRaftLog().getLastEntryTermIndex().getIndex();
      c.kill(lagging);
      String value = "v".repeat(8 << 10);
      try (RaftClient client = c.client()) {
        for (int i = 0; i < 400; i++) { // 3.2 MB of log: closed 1 MB segments the snapshot lets the leader purge
          client.io().send(KvTestStateMachine.put("k" + i, value));
        }
      }
      // A snapshot that ends the leader's log: Ratis appends a metadata entry when the commit index moves, and
      // one after the snapshot would reach the lagging server after the install and make it snapshot anew.
      Eventually.until(Duration.ofSeconds(60), "a snapshot of the leader's whole log", () -> {
        try {
          snapshotNow(leader);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        return leader.getStateMachine().getLatestSnapshot().getIndex()
            == leader.getRaftLog().getLastEntryTermIndex().getIndex();
      });
      Eventually.until(Duration.ofSeconds(60), "the leader to purge the entries " + lagging + " lacks",
          () -> leader.getRaftLog().getStartIndex() > laggingLast + 1);
      Map<String, String> expected = ((KvTestStateMachine) leader.getStateMachine()).entries();
      c.start(lagging, RaftStorage.StartupOption.RECOVER);
      KvTestStateMachine sm = c.stateMachine(lagging);
      Eventually.until(Duration.ofSeconds(60), lagging + " installed the leader's snapshot",
          () -> sm.entries().equals(expected));
      assertThat(sm.getLatestSnapshot()).as("the snapshot Ratis installed on %s", lagging).isNotNull();

      long installed = sm.getLatestSnapshot().getIndex();
      String before = "leader " + leader.getId() + " term " + leader.getInfo().getCurrentTerm() + "; " + lagging
          + " applied " + c.division(lagging).getInfo().getLastAppliedIndex() + ", snapshot " + installed;
      List<String> pulls = new ArrayList<>();
      Path file = tmp.resolve("installed.snap");
      ArchiveSummary s = save(c, lagging, file, Mode.SERVER_VERIFIED_AFTERWARDS, pulls);

      // Nothing was applied after the install, so the save pinned the installed snapshot, which this
      // server did not write and has no SHA-256 for: its bytes are inflated and checked against its MD5.
      assertThat(pulls).as("before the save: %s; now leader %s", before, c.leaderId()).singleElement().asString()
          .startsWith(lagging + " took a snapshot at index " + installed + ";")
          .endsWith("; pulling it compressed by " + lagging);
      assertThat(s.meta().index()).isEqualTo(installed);
      try (InputStream in = Files.newInputStream(file)) {
        assertThat(ArchiveReader.defaults().verify(in).entries()).isEqualTo(s.entries());
      }
    }
  }

  @Test
  void aSnapshotDeletedByRetentionWhileBeingPulledStillArrivesWhole() throws Exception {
    try (LoopbackCluster c = LoopbackCluster.define(tmp.resolve("c"), 3, 0, FileBackedStateMachine::new,
        p -> {
          LoopbackCluster.smallLogs(p);
          RaftServerConfigKeys.Snapshot.setRetentionFileNum(p, 1);
        }).start()) {
      RaftServer.Division leader = c.leader();
      try (RaftClient client = c.client()) {
        client.io().send(FileBackedStateMachine.generate(4, STATE));
      }
      String expected = TestStates.sha256Hex(4, STATE);
      Path sm = leader.getRaftStorage().getStorageDir().getStateMachineDir().toPath();
      AtomicBoolean churned = new AtomicBoolean();
      List<Path> before = new ArrayList<>();
      Path file = tmp.resolve("churn.snap");
      ArchiveSummary s;
      TransferProgress churn = (received, total) -> {
          if (churned.compareAndSet(false, true)) {
            try {
              before.addAll(snapshotFiles(sm));
              try (RaftClient client = c.client()) {
                for (int i = 5; i < 7; i++) {
                  client.io().send(FileBackedStateMachine.generate(i, 1 << 20));
                  snapshotNow(leader);
                }
              }
            } catch (Exception e) {
              throw new AssertionError(e);
            }
          }
      };
      try (SaveClient save = SaveClient.newBuilder(c.connection()).server(leader.getId()).progress(churn).build();
          AtomicFile out = AtomicFile.create(file, false)) {
        s = save.writeTo(out.stream());
        out.commit();
      }
      assertThat(before).isNotEmpty();
      assertThat(snapshotFiles(sm)).doesNotContainAnyElementsOf(before);
      assertThat(s.state().sha256Hex()).isEqualTo(expected);
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Mode.class)
  void aSnapshotCorruptedOnTheServerIsRefusedAndNoArchiveIsPublished(Mode mode) throws Exception {
    try (LoopbackCluster c = LoopbackCluster.define(tmp.resolve("c"), 3, 0, FileBackedStateMachine::new,
        LoopbackCluster::smallLogs).start()) {
      RaftServer.Division leader = c.leader();
      try (RaftClient client = c.client()) {
        client.io().send(FileBackedStateMachine.generate(9, STATE));
      }
      Path file = tmp.resolve("corrupt.snap");
      // The file the save pulls goes bad once the server has pinned it (a hard link in the group's archive/pins
      // directory), before the first byte is pulled: whichever snapshot the server took or retook meanwhile,
      // and whatever the group applied (a new term's first entry after an election, say), it is that file.
      Path pins = leader.getRaftStorage().getStorageDir().getRoot().toPath().resolve("archive").resolve("pins");
      List<Path> corrupted = new ArrayList<>();
      TransferProgress corruptAtPull = new TransferProgress() {
        @Override
        public void update(long done, long total) {}

        @Override
        public void phase(Stage stage, String description) {
          if (stage == Stage.PULL && corrupted.isEmpty()) {
            try (Stream<Path> files = Files.list(pins)) {
              List<Path> all = files.toList();
              if (all.size() != 1) {
                throw new IllegalStateException("one pinned file expected in " + pins + ", found " + all);
              }
              Path pinned = all.get(0);
              try (RandomAccessFile raf = new RandomAccessFile(pinned.toFile(), "rw")) {
                raf.seek(STATE / 2);
                int b = raf.read();
                raf.seek(STATE / 2);
                raf.write(b ^ 0x01);
              }
              corrupted.add(pinned);
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          }
        }
      };
      var refused = assertThatThrownBy(() -> {
        try (SaveClient save = SaveClient.newBuilder(c.connection()).server(leader.getId())
            .compressOnServer(mode.onServer).verifiesAfterwards(mode.verifiesAfterwards).progress(corruptAtPull)
            .build(); AtomicFile out = AtomicFile.create(file, false)) {
          ArchiveSummary s = save.writeTo(out.stream());
          if (mode.verifiesAfterwards) {
            save.verifySaved(out.partPath(), s, in -> in);
          }
          out.commit();
        }
      }).isInstanceOf(IOException.class);
      if (mode.verifiesAfterwards) {
        // Written unread, as the server vouched for it; the verification finds the byte the SHA-256 does not cover.
        refused.isInstanceOf(CorruptArchiveException.class)
            .hasMessageStartingWith("the archive saved from server " + leader.getId() + " does not verify (its "
                + "snapshot there, or the copy pulled, is corrupt): SHA-256 of state.bin: actual ")
            .hasMessageEndingWith(" != expected " + TestStates.sha256Hex(9, STATE) + " (SHA256SUMS)");
      } else {
        refused.hasMessageStartingWith("snapshot pulled from " + leader.getId() + " is corrupt: MD5 ");
      }
      assertThat(corrupted).as("the snapshot file the save pulled").hasSize(1);
      assertThat(file).doesNotExist();
      assertThat(AtomicFile.partOf(file)).doesNotExist();
    }
  }

  /** How a loss of the snapshot being pulled reads, for a server restarted mid-pull: gone, or back without it. */
  private static String lossOn(RaftPeerId server) {
    return "(server " + server + " lost the snapshot being pulled: no snapshot pin [0-9a-f-]{36} on this server "
        + "\\(it expired or the server restarted\\)|failed to read the snapshot from server " + server
        + " on group .*)";
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Mode.class)
  void aSaveWhoseServerRestartsMidPullStartsOverFromAFreshSnapshot(Mode mode) throws Exception {
    try (LoopbackCluster c = LoopbackCluster.define(tmp.resolve("c"), 3, 0, FileBackedStateMachine::new,
        LoopbackCluster::smallLogs).start()) {
      c.leader();
      long size = 48L << 20; // more than the queries in flight can hold, so the pull outlives the restart
      try (RaftClient client = c.client()) {
        client.io().send(FileBackedStateMachine.generate(11, size));
      }
      ServerRestarts restarts = new ServerRestarts(c, 1, true);
      Path temp = Files.createDirectories(tmp.resolve("temp"));
      try (SaveClient save = SaveClient.newBuilder(c.connection()).compressOnServer(mode.onServer)
          .verifiesAfterwards(mode.verifiesAfterwards).progress(restarts).build();
          Snapshot s = save.save(temp)) {
        if (mode.verifiesAfterwards) {
          save.verifySaved(s.path(), s.summary(), in -> in);
        }
        assertThat(s.summary().state().sha256Hex()).isEqualTo(TestStates.sha256Hex(11, size));
        try (Stream<Path> left = Files.list(temp)) {
          assertThat(left).as("what the lost attempt wrote is gone").containsExactly(s.path());
        }
      }
      assertThat(restarts.restarted).hasSize(1);
      RaftPeerId lost = restarts.restarted.get(0);
      assertThat(restarts.phases).filteredOn(p -> p.contains("starting over")).singleElement().asString()
          .matches(lossOn(lost) + "; starting over from a fresh snapshot \\(attempt 2 of 3\\)");
      assertThat(restarts.phases).filteredOn(p -> p.contains(" took a snapshot at index ")).hasSize(2);
    }
  }

  @Test
  void aSaveWhoseServerDiesMidPullStartsOverFromTheNextLeader() throws Exception {
    try (LoopbackCluster c = LoopbackCluster.define(tmp.resolve("c"), 3, 0, FileBackedStateMachine::new,
        LoopbackCluster::smallLogs).start()) {
      c.leader();
      long size = 48L << 20;
      try (RaftClient client = c.client()) {
        client.io().send(FileBackedStateMachine.generate(13, size));
      }
      ServerRestarts kills = new ServerRestarts(c, 1, false);
      Path temp = Files.createDirectories(tmp.resolve("temp"));
      try (SaveClient save = SaveClient.newBuilder(c.connection()).verifiesAfterwards(true).progress(kills).build();
          Snapshot s = save.save(temp)) {
        save.verifySaved(s.path(), s.summary(), in -> in);
        assertThat(s.summary().state().sha256Hex()).isEqualTo(TestStates.sha256Hex(13, size));
      }
      RaftPeerId dead = kills.restarted.get(0);
      assertThat(c.isRunning(dead)).isFalse();
      assertThat(kills.phases).filteredOn(p -> p.contains("starting over")).singleElement().asString()
          .matches("failed to read the snapshot from server " + dead + " on group .*; starting over from a fresh "
              + "snapshot \\(attempt 2 of 3\\)");
      assertThat(kills.phases).filteredOn(p -> p.contains(" took a snapshot at index ")).last().asString()
          .doesNotStartWith(dead + " ");
    }
  }

  @Test
  void aSaveThatLosesItsSnapshotOnEveryAttemptGivesUpAfterThreeAndLeavesNothing() throws Exception {
    try (LoopbackCluster c = LoopbackCluster.define(tmp.resolve("c"), 3, 0, FileBackedStateMachine::new,
        LoopbackCluster::smallLogs).start()) {
      c.leader();
      long size = 48L << 20;
      try (RaftClient client = c.client()) {
        client.io().send(FileBackedStateMachine.generate(12, size));
      }
      ServerRestarts restarts = new ServerRestarts(c, SaveClient.ATTEMPTS, true);
      Path temp = Files.createDirectories(tmp.resolve("temp"));
      try (SaveClient save = SaveClient.newBuilder(c.connection()).verifiesAfterwards(true).progress(restarts)
          .build()) {
        assertThatThrownBy(() -> save.save(temp).close()).isInstanceOf(SnapshotLostException.class)
            .satisfies(e -> assertThat(e.getMessage()).matches("every one of the 3 attempts lost the snapshot it "
                + "pulled; the last: " + lossOn(restarts.restarted.get(2))))
            .satisfies(e -> assertThat(((SnapshotLostException) e).server()).isEqualTo(restarts.restarted.get(2)));
      }
      assertThat(restarts.restarted).hasSize(3);
      assertThat(restarts.phases).filteredOn(p -> p.contains("starting over")).hasSize(2);
      try (Stream<Path> left = Files.list(temp)) {
        assertThat(left).as("no attempt left a file").isEmpty();
      }
    }
  }

  /**
   * Restarts (or only kills) the server a save pulls from once its first bytes have arrived, in up to
   * {@code times} attempts, and keeps every phase the save described.
   */
  private static final class ServerRestarts implements TransferProgress {
    final List<String> phases = new ArrayList<>();
    final List<RaftPeerId> restarted = new ArrayList<>();
    private final LoopbackCluster cluster;
    private final int times;
    private final boolean startAgain;
    private RaftPeerId pulling;

    ServerRestarts(LoopbackCluster cluster, int times, boolean startAgain) {
      this.cluster = cluster;
      this.times = times;
      this.startAgain = startAgain;
    }

    @Override
    public void phase(Stage stage, String description) {
      phases.add(description);
      if (stage == Stage.PULL) {
        pulling = RaftPeerId.valueOf(description.substring(0, description.indexOf(' ')));
      }
    }

    @Override
    public void update(long done, long total) {
      if (pulling != null && done > 0 && restarted.size() < times) {
        try {
          if (startAgain) {
            cluster.restart(pulling);
          } else {
            cluster.kill(pulling);
          }
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        restarted.add(pulling);
        pulling = null;
      }
    }
  }

  @Test
  void aServerCompressesARangeOfItsPinnedSnapshotAsOneSegmentAndRefusesWhatItCannot() throws Exception {
    try (LoopbackCluster c = LoopbackCluster.define(tmp.resolve("c"), 1, 0, FileBackedStateMachine::new,
        LoopbackCluster::smallLogs).start()) {
      RaftServer.Division leader = c.leader();
      try (RaftClient client = c.client()) {
        client.io().send(FileBackedStateMachine.generate(12, 1 << 20));
      }
      snapshotNow(leader);
      Path snapshot = leader.getStateMachine().getLatestSnapshot().getFiles().get(0).getPath();
      byte[] state = Files.readAllBytes(snapshot);
      try (RaftClient client = c.client()) {
        PinInfo pin = PinInfo.parse(client.io().sendStaleRead(ArchiveProtocol.pin(leader.getId().toString()), 0,
            leader.getId()).getMessage().getContent(), leader.getId());
        assertThat(pin.deflates()).isTrue();
        assertThat(pin.sha256Hex()).as("the SHA-256 the server hashed as it wrote the snapshot")
            .isEqualTo(Digests.hex(Digests.sha256().digest(state)));

        ByteString segment = Replies.rawBody(client.io().sendStaleRead(ArchiveProtocol.deflate(pin.pinId(),
            100_000, 50_000, 6, false), 0, leader.getId()).getMessage().getContent(), leader.getId());
        byte[] expected = RawDeflate.segment(java.util.Arrays.copyOfRange(state, 100_000 - RawDeflate.DICTIONARY,
            150_000), RawDeflate.DICTIONARY, 50_000, 6);
        assertThat(segment.toByteArray()).isEqualTo(expected);
        ByteString withCrc = Replies.rawBody(client.io().sendStaleRead(ArchiveProtocol.deflate(pin.pinId(),
            100_000, 50_000, 6, true), 0, leader.getId()).getMessage().getContent(), leader.getId());
        CRC32 crc = new CRC32();
        crc.update(state, 100_000, 50_000);
        assertThat(withCrc.substring(0, 4).asReadOnlyByteBuffer().getInt()).isEqualTo((int) crc.getValue());
        assertThat(withCrc.substring(4).toByteArray()).isEqualTo(expected);
        ByteString atEnd = Replies.rawBody(client.io().sendStaleRead(ArchiveProtocol.deflate(pin.pinId(),
            state.length, 50_000, 6, false), 0, leader.getId()).getMessage().getContent(), leader.getId());
        assertThat(atEnd.isEmpty()).isTrue();

        for (Message bad : new Message[] {ArchiveProtocol.deflate(pin.pinId(), 0, (16 << 20) + 1, 6, false),
            ArchiveProtocol.deflate(pin.pinId(), 0, 1000, 10, true)}) {
          ByteString reply = client.io().sendStaleRead(bad, 0, leader.getId()).getMessage().getContent();
          assertThatThrownBy(() -> Replies.rawBody(reply, leader.getId()))
              .isInstanceOf(RemoteArchiveException.class)
              .hasMessageMatching("bad compressed read: (16777217 bytes .at most 16777216. at level 6"
                  + "|1000 bytes .at most 16777216. at level 10) .0 to 9.");
        }
      }
    }
  }

  @Test
  void aGroupThatHasOnlyElectedLeadersHasNoStateToArchiveUntilItsFirstWrite() throws Exception {
    try (LoopbackCluster c = LoopbackCluster.define(tmp.resolve("c"), 3, 0, FileBackedStateMachine::new,
        LoopbackCluster::smallLogs).start()) {
      // Each new leader appends an entry: after two transfers the log holds entries the snapshot gap counts,
      // though the application has applied nothing (what a slow start's extra elections do).
      RaftServer.Division leader = c.leader();
      try (RaftClient client = c.client()) {
        for (int i = 0; i < 2; i++) {
          RaftPeerId next = c.runningIds().stream().filter(id -> !id.equals(c.leaderId())).findFirst().get();
          assertThat(client.admin().transferLeadership(next, 30_000).isSuccess()).isTrue();
          Eventually.until(Duration.ofSeconds(30), next + " leads", () -> next.equals(c.leaderId()));
        }
      }
      leader = c.leader();
      long applied = leader.getInfo().getLastAppliedIndex();
      assertThat(applied).as("entries appended by elections").isGreaterThanOrEqualTo(2);

      Path file = tmp.resolve("empty.snap");
      assertThatThrownBy(() -> save(c, null, file))
          .isInstanceOf(IOException.class)
          .hasMessage("server " + leader.getId() + " cannot provide its snapshot: server " + leader.getId()
              + " has no snapshot yet")
          .cause().isInstanceOf(RemoteArchiveException.class)
          .satisfies(e -> assertThat(((RemoteArchiveException) e).problem()).isEqualTo(RemoteProblem.NO_SNAPSHOT));
      assertThat(file).doesNotExist();
      assertThat(AtomicFile.partOf(file)).doesNotExist();
      RaftServer.Division local = leader;
      assertThatThrownBy(() -> LocalSnapshots.newBuilder(local).timeout(Duration.ofMinutes(1)).build().save(tmp))
          .isInstanceOf(IOException.class)
          .hasMessage("failed to take a snapshot on " + local.getMemberId()
              + ": no application entry applied yet, so there is no state to archive");
      assertThat(leader.getStateMachine().getLatestSnapshot()).as("snapshot after refusing").isNull();

      try (RaftClient client = c.client()) {
        client.io().send(FileBackedStateMachine.generate(11, 1 << 20));
      }
      ArchiveSummary s = save(c, null, file);
      assertThat(s.state().sha256Hex()).isEqualTo(TestStates.sha256Hex(11, 1 << 20));
    }
  }

  @Test
  void anUnreachableGroupFailsInBoundedTimeNamingItsPeers() throws Exception {
    List<RaftPeer> peers = new ArrayList<>();
    for (String id : new String[] {"x1", "x2"}) {
      peers.add(RaftPeer.newBuilder().setId(id).setAddress("127.0.0.1:" + LoopbackCluster.freePort()).build());
    }
    RaftGroup group = RaftGroup.valueOf(RaftGroupId.valueOf(UUID.randomUUID()), peers);
    GroupConnection conn = GroupConnection.newBuilder().group(group).requestTimeout(Duration.ofSeconds(2))
        .retries(3, Duration.ofMillis(100)).build();
    long start = System.nanoTime();
    try (SaveClient save = SaveClient.newBuilder(conn).build()) {
      assertThatThrownBy(() -> save.writeTo(OutputStream.nullOutputStream()))
          .isInstanceOf(IOException.class)
          .hasMessageStartingWith("failed to take a snapshot on group " + group.getGroupId() + " at "
              + conn.describePeers() + ": ");
    }
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
  }

  private static ArchiveSummary save(LoopbackCluster c, RaftPeerId target, Path file) throws IOException {
    return save(c, target, file, Mode.SERVER, new ArrayList<>());
  }

  /** Where a save compresses, and whether it leaves the state's check to a verification afterwards. */
  enum Mode {
    SERVER(true, false), HERE(false, false), SERVER_VERIFIED_AFTERWARDS(true, true);

    final boolean onServer;
    final boolean verifiesAfterwards;

    Mode(boolean onServer, boolean verifiesAfterwards) {
      this.onServer = onServer;
      this.verifiesAfterwards = verifiesAfterwards;
    }
  }

  /**
   * Saves in {@code mode} and adds the description of the pull phase to {@code pulls}; verifies the archive
   * when the mode says the caller does.
   */
  private static ArchiveSummary save(LoopbackCluster c, RaftPeerId target, Path file, Mode mode,
      List<String> pulls) throws IOException {
    TransferProgress progress = new TransferProgress() {
      @Override
      public void update(long done, long total) {}

      @Override
      public void phase(Stage stage, String description) {
        if (stage == Stage.PULL) {
          pulls.add(description);
        }
      }
    };
    try (SaveClient save = SaveClient.newBuilder(c.connection()).server(target).compressOnServer(mode.onServer)
        .verifiesAfterwards(mode.verifiesAfterwards).progress(progress).build();
        AtomicFile out = AtomicFile.create(file, false)) {
      ArchiveSummary s = save.writeTo(out.stream());
      out.stream().flush();
      if (mode.verifiesAfterwards) {
        ArchiveReader.defaults().verifyWritten(out.partPath(), s, in -> in);
      }
      out.commit();
      return s;
    }
  }

  private static void snapshotNow(RaftServer.Division d) throws IOException {
    RaftServer s = d.getRaftServer();
    assertThat(s.snapshotManagement(SnapshotManagementRequest.newCreate(ClientId.randomId(), s.getId(),
        d.getMemberId().getGroupId(), CallId.getAndIncrement(), 60_000, 1)).isSuccess()).isTrue();
  }

  private static List<Path> snapshotFiles(Path smDir) throws IOException {
    try (Stream<Path> files = Files.list(smDir)) {
      return files.filter(p -> p.getFileName().toString().matches("snapshot\\.\\d+_\\d+")).toList();
    }
  }
}
