package io.github.ratissnapshot.archive.ratis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.github.ratissnapshot.archive.format.Server;
import io.github.ratissnapshot.archive.format.Snapshot;
import io.github.ratissnapshot.archive.ratis.client.ClientFaults;
import io.github.ratissnapshot.archive.ratis.client.GroupConnection;
import io.github.ratissnapshot.archive.ratis.client.RestoreClient;
import io.github.ratissnapshot.archive.ratis.client.TransferProgress;
import io.github.ratissnapshot.archive.ratis.protocol.ArchiveProtocol;
import io.github.ratissnapshot.archive.ratis.protocol.Membership;
import io.github.ratissnapshot.archive.ratis.protocol.RemoteArchiveException;
import io.github.ratissnapshot.archive.ratis.protocol.RemoteProblem;
import io.github.ratissnapshot.archive.ratis.protocol.Replies;
import io.github.ratissnapshot.archive.ratis.protocol.RestoreStage;
import io.github.ratissnapshot.archive.ratis.protocol.ReplicaStatus;
import io.github.ratissnapshot.archive.ratis.protocol.RestoreStatus;
import io.github.ratissnapshot.archive.ratis.server.LocalSnapshots;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.storage.RaftStorage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commit gate follows the group's real membership: the members its leader reports, whatever servers the
 * client was given, and the configuration in force at {@code COMMIT}, however it changed during the restore.
 * Every test runs 3 voters (n1..n3) and a listener (n4) from {@link RestoreFixture#startWith}.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RestoreMembershipIT {
  private static final Duration PREPARE = Duration.ofSeconds(60);

  @TempDir
  Path tmp;

  @Test
  void theGateCountsEveryMemberTheLeaderReportsNotOnlyTheServersTheClientWasGiven() throws Exception {
    Map<String, String> newState = RestoreFixture.newState();
    Path archive = RestoreFixture.archive(newState, tmp.resolve("archives"));
    try (LoopbackCluster c = RestoreFixture.startWith(tmp.resolve("cluster"), RestoreFixture.oldState())) {
      RaftPeer listener = c.group().getPeer(RaftPeerId.valueOf("n4"));
      GroupConnection onlyTheListener = GroupConnection.newBuilder()
          .group(RaftGroup.valueOf(c.group().getGroupId(), List.of(listener)))
          .requestTimeout(Duration.ofSeconds(30)).retries(20, Duration.ofMillis(200)).build();
      RestoreClient.Result r;
      try (RestoreClient restore = RestoreClient.newBuilder(onlyTheListener).chunkSize(RestoreFixture.CHUNK)
          .prepareTimeout(PREPARE).build()) {
        r = restore.restore(archive, TransferProgress.NONE);
      }
      assertThat(ids(r.membership().voters())).containsExactly("n1", "n2", "n3");
      assertThat(ids(r.membership().listeners())).containsExactly("n4");
      assertThat(r.ready()).as("every member verified the archive before the commit")
          .containsExactlyInAnyOrder("n1", "n2", "n3", "n4");
      RestoreFixture.assertSettledWith(c, newState);
    }
  }

  @Test
  void aVoterAddedDuringTheRestoreIsCountedAndGetsTheArchivesState() throws Exception {
    Map<String, String> newState = RestoreFixture.newState();
    Path archive = RestoreFixture.archive(newState, tmp.resolve("archives"));
    long size = Files.size(archive);
    try (LoopbackCluster c = RestoreFixture.startWith(tmp.resolve("cluster"), RestoreFixture.oldState());
        RestoreClient restore = RestoreFixture.restoreClient(c, PREPARE)) {
      RaftPeer n5 = c.startNewPeer("n5", RaftPeerRole.FOLLOWER);
      AtomicBoolean changed = new AtomicBoolean();
      // Halfway through the transfer (on the restore's own thread, so the change is in force before COMMIT),
      // the operator adds a voter.
      TransferProgress addVoterHalfway = (done, total) -> {
        if (done >= size / 2 && changed.compareAndSet(false, true)) {
          setConfiguration(c, List.of("n1", "n2", "n3"), n5);
        }
      };
      RestoreClient.Result r = restore.restore(archive, addVoterHalfway);

      assertThat(changed).isTrue();
      assertThat(ids(r.membership().voters())).as("the voters in force at COMMIT")
          .containsExactly("n1", "n2", "n3", "n5");
      assertThat(ids(r.membership().listeners())).containsExactly("n4");
      assertThat(r.ready()).contains("n5");
      RestoreFixture.assertSettledWith(c, newState);
    }
  }

  @Test
  void aCommitCountedBeforeAMembershipChangeIsRefusedAndTheRestoreStaysOpenForTheNewCount() throws Exception {
    Map<String, String> oldState = RestoreFixture.oldState();
    Map<String, String> newState = RestoreFixture.newState();
    byte[] valid = Files.readAllBytes(RestoreFixture.archive(newState, tmp.resolve("archives")));
    try (LoopbackCluster c = RestoreFixture.startWith(tmp.resolve("cluster"), oldState);
        RaftClient client = RestoreFixture.clientOfLeader(c)) {
      UUID id = UUID.randomUUID();
      Replies.check(client.io().send(ArchiveProtocol.begin(id, valid.length, new byte[0])).getMessage().getContent(),
          "leader");
      Replies.check(client.io().send(ArchiveProtocol.chunk(id, 0, valid, valid.length)).getMessage().getContent(),
          "leader");
      Membership counted = RestoreFixture.membership(c);

      // A voter is removed after the client counted the members; it leaves the group.
      setConfiguration(c, List.of("n1", "n2"), null);
      c.kill(RaftPeerId.valueOf("n3"));
      Throwable refused = catchThrowable(() -> Replies.check(client.io().send(
          ArchiveProtocol.commit(id, 1, sha256(valid), counted.canonical())).getMessage().getContent(), "leader"));

      assertThat(refused).isExactlyInstanceOf(RemoteArchiveException.class)
          .hasMessageStartingWith("the group's configuration changed at index ")
          .hasMessageEndingWith(" to voters=n1,n2;old=;listeners=n4 after the client counted "
              + "voters=n1,n2,n3;old=;listeners=n4; restore " + id + " stays open");
      assertThat(((RemoteArchiveException) refused).problem()).isEqualTo(RemoteProblem.CONFIGURATION_CHANGED);
      RestoreFixture.awaitApplied(c, c.runningIds());
      for (RaftPeerId peer : c.runningIds()) {
        KvTestStateMachine sm = c.stateMachine(peer);
        assertThat(sm.archiveSupport().openRestoreId()).as("open restore on %s", peer).isEqualTo(id);
        assertThat(sm.entries()).as("state of %s", peer).isEqualTo(oldState);
        RestoreStatus s = ReplicaStatus.parse(client.io().sendStaleRead(ArchiveProtocol.status(id), 0, peer)
            .getMessage().getContent(), peer).restore();
        assertThat(s.stage()).as("stage on %s", peer).isEqualTo(RestoreStage.READY);
      }

      // Counted again, the same restore commits on every member.
      Membership now = RestoreFixture.membership(c);
      assertThat(ids(now.voters())).containsExactly("n1", "n2");
      Replies.check(client.io().send(ArchiveProtocol.commit(id, 1, sha256(valid), now.canonical()))
          .getMessage().getContent(), "leader");
      Eventually.until(RestoreFixture.CONVERGE, "every member to hold the archive's state", () -> {
        try {
          return RestoreFixture.states(c).values().stream().allMatch(newState::equals);
        } catch (IOException e) {
          return false;
        }
      });
      RestoreFixture.awaitApplied(c, c.runningIds());
      for (RaftPeerId peer : c.runningIds()) {
        KvTestStateMachine sm = c.stateMachine(peer);
        assertThat(sm.archiveSupport().openRestoreId()).as("open restore on %s", peer).isNull();
      }
    }
  }

  @Test
  void anArchiveOfALoneRestartedServerNamesTheConfigurationOfItsOwnLogPrefix() throws Exception {
    try (LoopbackCluster c = RestoreFixture.startWith(tmp.resolve("cluster"), RestoreFixture.oldState())) {
      RaftPeerId n1 = RaftPeerId.valueOf("n1");
      long before;
      try (Snapshot s = LocalSnapshots.newBuilder(c.division(n1)).build().save(tmp)) {
        before = s.index();
        assertThat(servers(s)).containsExactlyInAnyOrder("n1", "n2", "n3", "n4");
      }
      RaftPeer n5 = c.startNewPeer("n5", RaftPeerRole.FOLLOWER);
      setConfiguration(c, List.of("n1", "n2", "n3"), n5);
      long changedAt = c.division(n1).getRaftConf().getLogEntryIndex();
      assertThat(changedAt).isGreaterThan(before);

      // Only n1 comes back: it loads its snapshot from before the change and has no quorum to go further.
      for (RaftPeerId id : c.runningIds()) {
        c.kill(id);
      }
      c.start(n1, RaftStorage.StartupOption.RECOVER);
      try (Snapshot s = LocalSnapshots.newBuilder(c.division(n1)).timeout(Duration.ofSeconds(30)).build()
          .save(tmp)) {
        assertThat(s.meta().configurationIndex()).as("ConfigurationIndex of an archive at Index %d", s.index())
            .isLessThanOrEqualTo(s.index());
        if (s.index() >= changedAt) {
          assertThat(servers(s)).as("the membership at Index %d", s.index())
              .containsExactlyInAnyOrder("n1", "n2", "n3", "n4", "n5");
        } else if (s.meta().configurationIndex() > before) {
          // Between the change's two entries: the joint configuration, old and new members together.
          assertThat(servers(s)).as("the joint membership at Index %d", s.index())
              .containsExactlyInAnyOrder("n1", "n2", "n3", "n4", "n5");
          assertThat(s.meta().configurationIndex()).isLessThan(changedAt);
        } else {
          assertThat(servers(s)).as("the membership at Index %d", s.index())
              .containsExactlyInAnyOrder("n1", "n2", "n3", "n4");
        }
      }
    }
  }

  @Test
  void aRestoreWhoseConnectionRatisClosedMidwayConnectsAgainAndCommits() throws Exception {
    Map<String, String> newState = RestoreFixture.newState();
    Path archive = RestoreFixture.archive(newState, tmp.resolve("archives"));
    long size = Files.size(archive);
    try (LoopbackCluster c = RestoreFixture.startWith(tmp.resolve("cluster"), RestoreFixture.oldState());
        RestoreClient restore = RestoreFixture.restoreClient(c, PREPARE)) {
      AtomicBoolean closed = new AtomicBoolean();
      List<Long> progress = new ArrayList<>();
      TransferProgress closeAt40 = (done, total) -> {
        progress.add(done);
        if (done >= size * 2 / 5 && closed.compareAndSet(false, true)) {
          try {
            ClientFaults.closeConnection(restore);
          } catch (IOException e) {
            throw new AssertionError(e);
          }
        }
      };
      RestoreClient.Result r = restore.restore(archive, closeAt40);

      assertThat(closed).isTrue();
      assertThat(progress).as("progress only moves forward").isSorted();
      assertThat(progress.get(progress.size() - 1)).isEqualTo(size);
      assertThat(r.commitIndex()).isPositive();
      RestoreFixture.assertSettledWith(c, newState);
    }
  }

  /** Sets the voters {@code voters} plus {@code added} (if not null) and the listener n4; waits for it. */
  private static void setConfiguration(LoopbackCluster c, List<String> voters, RaftPeer added) {
    List<RaftPeer> servers = new ArrayList<>();
    for (String id : voters) {
      servers.add(c.group().getPeer(RaftPeerId.valueOf(id)));
    }
    if (added != null) {
      servers.add(added);
    }
    List<RaftPeer> listeners = List.of(c.group().getPeer(RaftPeerId.valueOf("n4")));
    try (RaftClient client = c.client()) {
      assertThat(client.admin().setConfiguration(servers, listeners).isSuccess()).as("configuration change")
          .isTrue();
    } catch (IOException e) {
      throw new AssertionError("configuration change failed", e);
    }
  }

  private static List<String> ids(List<RaftPeer> peers) {
    return peers.stream().map(p -> p.getId().toString()).collect(Collectors.toList());
  }

  private static List<String> servers(Snapshot s) {
    return s.meta().configuration().servers().stream().map(Server::id).collect(Collectors.toList());
  }

  private static byte[] sha256(byte[] bytes) throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(bytes);
  }
}
