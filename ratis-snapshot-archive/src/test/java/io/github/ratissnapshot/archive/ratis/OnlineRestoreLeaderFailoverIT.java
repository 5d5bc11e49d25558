package io.github.ratissnapshot.archive.ratis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.ratissnapshot.archive.ratis.client.RestoreClient;
import io.github.ratissnapshot.archive.ratis.client.TransferProgress;
import io.github.ratissnapshot.archive.ratis.protocol.ArchiveProtocol;
import io.github.ratissnapshot.archive.ratis.protocol.Op;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.storage.RaftStorage;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader dies in the middle of an online restore (3 voters and a listener over gRPC): the client
 * either rides out the election and completes the restore, or fails; in both cases, once the dead leader
 * is back, every replica holds the complete old state or the complete new state, all the same one.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class OnlineRestoreLeaderFailoverIT {
  private static final Logger LOG = LoggerFactory.getLogger(OnlineRestoreLeaderFailoverIT.class);
  /** The dead leader never answers STATUS: the client commits on a majority after this. */
  private static final Duration PREPARE = Duration.ofMillis(1500);

  @TempDir
  Path tmp;

  @ParameterizedTest(name = "leader killed after {0}% of the archive is acknowledged")
  @ValueSource(ints = {10, 50, 90})
  void killingTheLeaderMidRestoreLeavesEveryReplicaAllOldOrAllNew(int percent) throws Exception {
    drill(percent, false);
  }

  @Test
  void killingTheLeaderAfterTheLastChunkBeforeCommitLeavesEveryReplicaAllOldOrAllNew() throws Exception {
    drill(100, true);
  }

  @Test
  void killingTheLeaderTheMomentCommitReachesItsLogLeavesEveryReplicaAllOldOrAllNew() throws Exception {
    commitDrill();
  }

  @Tag("soak")
  @Timeout(value = 2, unit = TimeUnit.HOURS)
  @RepeatedTest(10)
  void soakKillingTheLeaderTheMomentCommitReachesItsLog() throws Exception {
    commitDrill();
  }

  @Tag("soak")
  @Timeout(value = 2, unit = TimeUnit.HOURS)
  @ParameterizedTest(name = "soak: leader killed after {0}% of the archive is acknowledged")
  @ValueSource(ints = {0, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 100, 5, 50, 95, 100})
  void soakKillingTheLeaderAtManyChunkPoints(int percent) throws Exception {
    drill(percent, percent == 100);
  }

  /**
   * Restores the new state while the old is in the group, kills the leader once {@code percent} of the
   * archive's bytes are acknowledged, restarts it after the client returns, and checks all or nothing.
   *
   * @param holdClient whether the client waits (inside its progress callback) until the leader is dead,
   *     so that the kill lands between the last chunk and COMMIT
   */
  private void drill(int percent, boolean holdClient) throws Exception {
    Map<String, String> oldState = RestoreFixture.oldState();
    Map<String, String> newState = RestoreFixture.newState();
    Path archive = RestoreFixture.archive(newState, tmp.resolve("archives"));
    long total = Files.size(archive);
    long killAt = Math.max(1, total * percent / 100);
    ExecutorService killer = Executors.newSingleThreadExecutor();
    try (LoopbackCluster c = RestoreFixture.startWith(tmp.resolve("cluster"), oldState)) {
      RaftPeerId leaderId = c.leader().getId();
      AtomicReference<Future<?>> kill = new AtomicReference<>();
      TransferProgress progress = (bytes, size) -> {
        if (bytes >= killAt && kill.get() == null) {
          Future<?> f = killer.submit(() -> {
            c.kill(leaderId);
            return null;
          });
          if (kill.compareAndSet(null, f) && holdClient) {
            try {
              f.get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
              throw new IllegalStateException("failed to kill " + leaderId, e);
            }
          }
        }
      };

      RestoreClient.Result result = null;
      IOException failure = null;
      long started = System.nanoTime();
      try (RestoreClient restore = RestoreFixture.restoreClient(c, PREPARE)) {
        result = restore.restore(archive, progress);
      } catch (IOException e) {
        failure = e;
      }
      LOG.info("leader {} killed at {}% of {} bytes: restore {} after {} ms", leaderId, percent, total,
          result != null ? "completed at index " + result.commitIndex() : "failed: " + failure,
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));

      assertThat(kill.get()).as("the leader was killed during the restore").isNotNull();
      kill.get().get(60, TimeUnit.SECONDS);
      assertAllOrNothingAfterRestart(c, leaderId, result, failure, oldState, newState);
    } finally {
      killer.shutdownNow();
    }
  }

  /**
   * Leadership moves three times while the chunks stream. A leader that is handing over answers the writes
   * that reach it meanwhile with a failure and appends the ones after them, so the log gets chunks ahead of
   * their turn; the replicas ignore those, and the client sends again from the first one missing. The restore
   * must complete, with the new state on every replica.
   */
  @Test
  void leadershipTransfersMidRestoreDoNotFailItAndEveryReplicaEndsWithTheNewState() throws Exception {
    Map<String, String> oldState = RestoreFixture.oldState();
    Map<String, String> newState = RestoreFixture.newState();
    Path archive = RestoreFixture.archive(newState, tmp.resolve("archives"));
    long total = Files.size(archive);
    ExecutorService mover = Executors.newSingleThreadExecutor();
    try (LoopbackCluster c = RestoreFixture.startWith(tmp.resolve("cluster"), oldState)) {
      List<Future<RaftPeerId>> transfers = new ArrayList<>();
      long[] at = {total / 5, total * 9 / 20, total * 7 / 10};
      TransferProgress progress = (bytes, size) -> {
        synchronized (transfers) {
          if (transfers.size() < at.length && bytes >= at[transfers.size()]) {
            transfers.add(mover.submit(() -> moveLeadership(c)));
          }
        }
      };

      RestoreClient.Result result;
      try (RestoreClient restore = RestoreFixture.restoreClient(c, PREPARE)) {
        result = restore.restore(archive, progress);
      }
      assertThat(transfers).as("leadership transfers started during the restore").hasSize(at.length);
      for (Future<RaftPeerId> t : transfers) {
        LOG.info("leadership moved to {} during the restore", t.get(60, TimeUnit.SECONDS));
      }
      assertThat(result.commitIndex()).isPositive();
      assertEveryReplicaEndsWith(c, newState);
    } finally {
      mover.shutdownNow();
    }
  }

  /**
   * Hands leadership from the leader to another voter and returns the new leader. Ratis may end a handover
   * with another election than the one asked for (its reply is then {@code DIFFERENT_LEADER}, or the old
   * leader wins again); the handover is asked again until leadership has left the old leader, 5 times at most.
   */
  private static RaftPeerId moveLeadership(LoopbackCluster c) throws Exception {
    RaftPeerId from = c.leader().getId();
    for (int attempt = 1; ; attempt++) {
      RaftPeerId to = c.runningIds().stream().filter(id -> !id.equals(from)).findFirst().orElseThrow();
      try (RaftClient admin = c.client()) {
        admin.admin().transferLeadership(to, 20_000);
        return to;
      } catch (IOException e) {
        RaftPeerId now = c.leader().getId();
        LOG.info("handover {} -> {} (attempt {}) ended with {}; the leader is {}", from, to, attempt, e, now);
        if (!now.equals(from)) {
          return now;
        }
        if (attempt == 5) {
          throw e;
        }
      }
    }
  }

  /**
   * The leader is handing leadership over for 3 s while the chunks stream (to a follower that is down, so the
   * handover waits out its timeout): Ratis answers every chunk "stepping down" meanwhile. The client must
   * keep sending them again, pausing between sends, until a leader appends them, rather than spend its resends
   * in the first milliseconds; the restore completes with the new state on every replica.
   */
  @Test
  void chunksArrivingWhileTheLeaderStepsDownForSecondsAreSentAgainUntilAppended() throws Exception {
    handoverDrill(false);
  }

  /**
   * The leader is handing leadership over when COMMIT reaches it: Ratis answers "stepping down" and does not
   * append it. The client must send COMMIT again until a leader appends it, and the restore completes.
   */
  @Test
  void commitArrivingWhileTheLeaderStepsDownIsSentAgainAndTheRestoreCompletes() throws Exception {
    handoverDrill(true);
  }

  /**
   * The leader steps down for longer than the client sends again (a handover to a follower that is down, held
   * 75 s, against the client's 60 s): the restore gives up, naming the group and Ratis's refusal, and its ABORT,
   * sent again until the handover ends, closes the restore. Every replica keeps the old state and the group
   * takes writes again, with nobody running {@code restore --abort}.
   */
  @Test
  void aLeaderSteppingDownLongerThanTheClientWaitsFailsTheRestoreWhichAbortsAndChangesNothing() throws Exception {
    Map<String, String> oldState = RestoreFixture.oldState();
    Path archive = RestoreFixture.archive(RestoreFixture.newState(), tmp.resolve("archives"));
    long total = Files.size(archive);
    try (LoopbackCluster c = RestoreFixture.startWith(tmp.resolve("cluster"), oldState);
        HeldHandover handover = HeldHandover.toADeadFollower(c, 75_000)) {
      RaftPeerId leaderId = c.leader().getId();
      TransferProgress progress = (done, size) -> {
        if (done >= total * 3 / 10) {
          handover.start();
        }
      };
      long started = System.nanoTime();
      assertThatThrownBy(() -> {
        try (RestoreClient restore = RestoreFixture.restoreClient(c, PREPARE)) {
          restore.restore(archive, progress);
        }
      }).isInstanceOf(IOException.class)
          .hasMessageMatching("failed to send restore [0-9a-f-]{36} on group " + c.group().getGroupId()
              + " at .*: " + leaderId + "@" + c.group().getGroupId() + " is stepping down");
      long failedAfter = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      long steppedDown = handover.steppedDownMillis();
      assertThat(steppedDown).as("the leader stepped down until the handover timed out").isGreaterThan(65_000);
      assertThat(failedAfter).as("the client sent the chunks again for 60 s, and its ABORT until it was taken")
          .isGreaterThan(60_000).isGreaterThanOrEqualTo(steppedDown);
      c.start(handover.to(), RaftStorage.StartupOption.RECOVER);
      RestoreFixture.assertNoRestoreOpen(c);
      RestoreFixture.assertEveryReplicaHolds(c, oldState);
      RestoreFixture.assertAcceptsWrites(c, oldState);
    }
  }

  /**
   * Restores the new state while the leader hands leadership over to a follower that is down, which keeps it
   * stepping down (refusing writes) until the handover's 3 s timeout, and checks that the restore completes
   * with the new state everywhere.
   *
   * @param atCommit whether the handover starts when the client is about to send COMMIT, or once 30% of the
   *     archive's chunks are acknowledged
   */
  private void handoverDrill(boolean atCommit) throws Exception {
    Map<String, String> oldState = RestoreFixture.oldState();
    Map<String, String> newState = RestoreFixture.newState();
    Path archive = RestoreFixture.archive(newState, tmp.resolve("archives"));
    long total = Files.size(archive);
    try (LoopbackCluster c = RestoreFixture.startWith(tmp.resolve("cluster"), oldState);
        HeldHandover handover = HeldHandover.toADeadFollower(c, 3_000)) {
      TransferProgress progress = new TransferProgress() {
        @Override
        public void update(long done, long size) {
          if (!atCommit && done >= total * 3 / 10) {
            handover.start();
          }
        }

        @Override
        public void phase(Stage stage, String description) {
          if (atCommit && stage == Stage.COMMIT) {
            handover.start();
          }
        }
      };

      RestoreClient.Result result;
      try (RestoreClient restore = RestoreFixture.restoreClient(c, PREPARE)) {
        result = restore.restore(archive, progress);
      }
      assertThat(handover.steppedDownMillis())
          .as("the leader was stepping down until the handover to the dead follower timed out")
          .isGreaterThanOrEqualTo(2_500);
      assertThat(result.commitIndex()).isPositive();
      c.start(handover.to(), RaftStorage.StartupOption.RECOVER);
      assertThat(newState).isNotEqualTo(oldState);
      assertEveryReplicaEndsWith(c, newState);
    }
  }

  /**
   * A handover of leadership to a follower that is down, which keeps the leader stepping down (refusing
   * writes) until the handover's timeout; started once, from whichever thread asks first.
   */
  private static final class HeldHandover implements AutoCloseable {
    private final ExecutorService mover = Executors.newSingleThreadExecutor();
    private final AtomicReference<Future<Long>> started = new AtomicReference<>();
    private final LoopbackCluster cluster;
    private final RaftPeerId to;
    private final long timeoutMillis;

    private HeldHandover(LoopbackCluster cluster, RaftPeerId to, long timeoutMillis) {
      this.cluster = cluster;
      this.to = to;
      this.timeoutMillis = timeoutMillis;
    }

    /** Kills a follower of the current leader; the handover, once started, goes to it. */
    static HeldHandover toADeadFollower(LoopbackCluster c, long timeoutMillis) throws Exception {
      RaftPeerId leaderId = c.leader().getId();
      RaftPeerId down = c.runningIds().stream().filter(id -> !id.equals(leaderId)).findFirst().orElseThrow();
      c.kill(down);
      return new HeldHandover(c, down, timeoutMillis);
    }

    RaftPeerId to() {
      return to;
    }

    synchronized void start() {
      if (started.get() == null) {
        started.set(mover.submit(() -> handOverFor(cluster, to, timeoutMillis)));
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(300)); // the handover starts on loopback in ms
      }
    }

    /** Waits for the handover to end and returns how long the leader stepped down, in milliseconds. */
    long steppedDownMillis() throws Exception {
      assertThat(started.get()).as("a handover started during the restore").isNotNull();
      return started.get().get(120, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
      mover.shutdownNow();
    }
  }

  /**
   * Asks the leader to hand leadership to {@code to}, which is down, and returns how long the leader was
   * stepping down (until the handover timed out), in milliseconds.
   */
  private static long handOverFor(LoopbackCluster c, RaftPeerId to, long timeoutMillis) throws IOException {
    long started = System.nanoTime();
    try (RaftClient admin = c.client()) {
      admin.admin().transferLeadership(to, timeoutMillis);
    } catch (IOException expected) {
      LOG.info("the handover to {} ended: {}", to, expected.toString());
    }
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
  }

  /**
   * Kills the leader as soon as the COMMIT entry is appended to its log, before it can have answered the
   * client: COMMIT may be lost with it, or committed by the next leader, and the client retries it there.
   */
  private void commitDrill() throws Exception {
    Map<String, String> oldState = RestoreFixture.oldState();
    Map<String, String> newState = RestoreFixture.newState();
    Path archive = RestoreFixture.archive(newState, tmp.resolve("archives"));
    ExecutorService killer = Executors.newSingleThreadExecutor();
    try (LoopbackCluster c = RestoreFixture.startWith(tmp.resolve("cluster"), oldState)) {
      RaftServer.Division leader = c.leader();
      RaftPeerId leaderId = leader.getId();
      RaftLog log = leader.getRaftLog();
      AtomicBoolean stop = new AtomicBoolean();
      Future<Boolean> watcher = killer.submit(() -> {
        long next = log.getLastEntryTermIndex().getIndex() + 1;
        while (!stop.get()) {
          for (long last = log.getLastEntryTermIndex().getIndex(); next <= last; next++) {
            LogEntryProto e = log.get(next);
            if (e != null && e.hasStateMachineLogEntry() && ArchiveProtocol.decode(
                e.getStateMachineLogEntry().getLogData()).orElse(null) instanceof Op.Commit) {
              c.kill(leaderId);
              return true;
            }
          }
          LockSupport.parkNanos(100_000);
        }
        return false;
      });

      RestoreClient.Result result = null;
      IOException failure = null;
      try (RestoreClient restore = RestoreFixture.restoreClient(c, PREPARE)) {
        result = restore.restore(archive, TransferProgress.NONE);
      } catch (IOException e) {
        failure = e;
      }
      stop.set(true);
      LOG.info("leader {} killed when COMMIT reached its log: restore {}", leaderId,
          result != null ? "completed at index " + result.commitIndex() : "failed: " + failure);
      assertThat(watcher.get(60, TimeUnit.SECONDS)).as("the leader was killed at COMMIT").isTrue();
      assertAllOrNothingAfterRestart(c, leaderId, result, failure, oldState, newState);
    } finally {
      killer.shutdownNow();
    }
  }
  /**
   * Checks that every running replica applies the whole log and holds {@code expected}, that no restore is
   * left open nor any staging file, and that the group takes writes again.
   */
  private static void assertEveryReplicaEndsWith(LoopbackCluster c, Map<String, String> expected)
      throws Exception {
    awaitAllAppliedPastAStuckAppender(c);
    assertThat(RestoreFixture.awaitOneStateEverywhere(c)).isEqualTo(expected);
    RestoreFixture.assertNoRestoreOpen(c);
    RestoreFixture.awaitNoStagingFiles(c);
    RestoreFixture.assertAcceptsWrites(c, expected);
  }

  /**
   * Waits for every replica to apply the whole log, handing leadership to another voter once if one has not
   * within 30 s. After a leader is killed, Ratis 3.3.0's gRPC log appender can leave a replica (seen twice,
   * both times the listener) answering the new leader's heartbeats "INCONSISTENCY" for as long as that leader
   * leads, with only heartbeats sent to it: the leader's view of it (its match index) stays ahead of its log.
   * That is Ratis's, not the restore's: the replica's state is still the whole old or new one, and a new
   * leader, which starts with no view of it, sends it the entries. The test still requires every replica
   * to apply everything; the handover is logged with the replicas that were behind.
   */
  private static void awaitAllAppliedPastAStuckAppender(LoopbackCluster c) throws Exception {
    Duration stuckAfter = Duration.ofSeconds(30);
    List<RaftPeerId> all = c.peers().stream().map(RaftPeer::getId).toList();
    try {
      RestoreFixture.awaitApplied(c, all, stuckAfter);
    } catch (AssertionError stuck) {
      long committed = c.leader().getRaftLog().getLastCommittedIndex();
      List<String> behind = all.stream().filter(id -> c.isRunning(id) && RestoreFixture.applied(c, id) < committed)
          .map(id -> id + " at " + RestoreFixture.applied(c, id)).toList();
      LOG.warn("{} after {}; behind the leader {}'s commit {}: {}; handing leadership over", stuck.getMessage(),
          stuckAfter, c.leader().getId(), committed, behind);
      moveLeadership(c);
      RestoreFixture.awaitAllApplied(c);
    }
  }

  /**
   * Restarts the killed leader and checks that every replica holds one state, the old or the new, and
   * exactly the one the client's outcome implies; then that nothing is left open and writes are taken.
   */
  private static void assertAllOrNothingAfterRestart(LoopbackCluster c, RaftPeerId killed,
      RestoreClient.Result result, IOException failure, Map<String, String> oldState,
      Map<String, String> newState) throws Exception {
    c.start(killed, RaftStorage.StartupOption.RECOVER);
    awaitAllAppliedPastAStuckAppender(c);
    Map<String, String> agreed = RestoreFixture.awaitOneStateEverywhere(c);
    boolean outcomeUnknown = failure != null && failure.getMessage().contains("the outcome of restore");
    if (result != null) {
      assertThat(agreed).as("state after a completed restore").isEqualTo(newState);
    } else if (outcomeUnknown) {
      assertThat(agreed.equals(oldState) || agreed.equals(newState))
          .as("after a COMMIT of unknown outcome every replica holds the old or the new state: %s",
              RestoreFixture.describe(RestoreFixture.states(c), newState))
          .isTrue();
    } else {
      assertThat(agreed).as("state after a restore that failed (%s)", failure).isEqualTo(oldState);
    }
    RestoreFixture.assertNoRestoreOpen(c);
    RestoreFixture.awaitNoStagingFiles(c);
    RestoreFixture.assertAcceptsWrites(c, agreed);
  }
}
