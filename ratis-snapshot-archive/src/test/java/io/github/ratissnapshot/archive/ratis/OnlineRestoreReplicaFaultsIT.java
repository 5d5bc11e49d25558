package io.github.ratissnapshot.archive.ratis;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.ratissnapshot.archive.ratis.client.RestoreClient;
import io.github.ratissnapshot.archive.ratis.client.TransferProgress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.util.SizeInBytes;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Replicas other than the leader are down or restart during an online restore (3 voters and a listener
 * over gRPC): the restore completes on the others, and every replica ends with exactly the archive's state.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class OnlineRestoreReplicaFaultsIT {
  /** A voter that never answers STATUS makes the client commit on a majority after this. */
  private static final Duration PREPARE = Duration.ofMillis(1500);

  @TempDir
  Path tmp;

  /** How a follower that missed a whole restore gets it. */
  enum CatchUp {
    /** The leader still has the restore's entries in its log and sends them. */
    FROM_THE_LOG,
    /** The leader has purged them after the restore's snapshot, and sends the snapshot. */
    BY_INSTALL_SNAPSHOT
  }

  @Tag("compat")
  @ParameterizedTest
  @EnumSource(CatchUp.class)
  void aFollowerDownForTheWholeRestoreCatchesUpToTheRestoredState(CatchUp how) throws Exception {
    Map<String, String> oldState = RestoreFixture.oldState();
    Map<String, String> newState = RestoreFixture.newState();
    Path archive = RestoreFixture.archive(newState, tmp.resolve("archives"));
    try (LoopbackCluster c = RestoreFixture.startWith(tmp.resolve("cluster"), oldState, tuning(how))) {
      RaftServer.Division leader = c.leader();
      RaftPeerId follower = peer(c, leader.getId(), RaftPeerRole.FOLLOWER);
      long followerLast = c.division(follower).getRaftLog().getLastEntryTermIndex().getIndex();
      c.kill(follower);

      // The client does not wait out a long prepare timeout for a server that does not answer at all.
      RestoreClient.Result result;
      long started = System.nanoTime();
      try (RestoreClient restore = RestoreClient.newBuilder(c.connection()).chunkSize(RestoreFixture.CHUNK)
          .prepareTimeout(Duration.ofMinutes(10)).silenceLimit(Duration.ofSeconds(2)).build()) {
        result = restore.restore(archive, TransferProgress.NONE);
      }
      assertThat(Duration.ofNanos(System.nanoTime() - started))
          .as("committed once the majority was ready and %s had been silent for 2 s", follower)
          .isLessThan(Duration.ofMinutes(2));
      assertThat(result.commitIndex()).isGreaterThan(followerLast);
      for (RaftPeerId id : c.runningIds()) {
        KvTestStateMachine sm = c.stateMachine(id);
        Eventually.until(RestoreFixture.CONVERGE, id + " to hold the restored state",
            () -> sm.entries().equals(newState));
      }
      if (how == CatchUp.BY_INSTALL_SNAPSHOT) {
        Eventually.until(RestoreFixture.CONVERGE, "the leader to purge the entries " + follower + " lacks",
            () -> leader.getRaftLog().getStartIndex() > followerLast + 1);
      } else {
        assertThat(leader.getRaftLog().getStartIndex()).as("start of the leader's log")
            .isLessThanOrEqualTo(followerLast + 1);
      }

      c.start(follower, RaftStorage.StartupOption.RECOVER);
      RestoreFixture.assertSettledWith(c, newState);
    }
  }

  @ParameterizedTest
  @EnumSource(value = RaftPeerRole.class, names = {"FOLLOWER", "LISTENER"})
  void aReplicaRestartedMidRestoreEndsWithTheRestoredStateLikeEveryOther(RaftPeerRole role) throws Exception {
    Map<String, String> oldState = RestoreFixture.oldState();
    Map<String, String> newState = RestoreFixture.newState();
    Path archive = RestoreFixture.archive(newState, tmp.resolve("archives"));
    long total = Files.size(archive);
    ExecutorService faults = Executors.newSingleThreadExecutor();
    try (LoopbackCluster c = RestoreFixture.startWith(tmp.resolve("cluster"), oldState)) {
      RaftPeerId victim = peer(c, c.leader().getId(), role);
      AtomicReference<Future<?>> kill = new AtomicReference<>();
      AtomicReference<Future<?>> restart = new AtomicReference<>();
      // Down from a quarter of the archive; back at 60%, and the client waits for it there.
      TransferProgress progress = (bytes, size) -> {
        if (bytes >= total / 4 && kill.get() == null) {
          kill.set(faults.submit(() -> {
            c.kill(victim);
            return null;
          }));
        }
        if (bytes >= total * 6 / 10 && restart.get() == null) {
          Future<?> f = faults.submit(() -> c.start(victim, RaftStorage.StartupOption.RECOVER));
          restart.set(f);
          try {
            f.get(60, TimeUnit.SECONDS);
          } catch (Exception e) {
            throw new IllegalStateException("failed to restart " + victim, e);
          }
        }
      };
      RestoreClient.Result result;
      try (RestoreClient restore = RestoreFixture.restoreClient(c, Duration.ofSeconds(30))) {
        result = restore.restore(archive, progress);
      }
      assertThat(kill.get()).as("%s was killed mid-restore", victim).isNotNull();
      assertThat(restart.get()).as("%s was restarted mid-restore", victim).isNotNull();
      restart.get().get(60, TimeUnit.SECONDS);
      assertThat(result.archiveId()).isNotEmpty();

      RestoreFixture.assertSettledWith(c, newState);
    } finally {
      faults.shutdownNow();
    }
  }

  /** Small purgeable segments to force an InstallSnapshot; else large segments that keep the log. */
  private static Consumer<RaftProperties> tuning(CatchUp how) {
    return p -> {
      LoopbackCluster.smallLogs(p);
      if (how == CatchUp.FROM_THE_LOG) {
        RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf("64MB"));
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, false);
      }
    };
  }

  /** Returns a running peer other than {@code leader} with the given startup role. */
  private static RaftPeerId peer(LoopbackCluster c, RaftPeerId leader, RaftPeerRole role) {
    return c.peers().stream().filter(p -> p.getStartupRole() == role).map(RaftPeer::getId)
        .filter(id -> !id.equals(leader)).findFirst().orElseThrow();
  }
}
