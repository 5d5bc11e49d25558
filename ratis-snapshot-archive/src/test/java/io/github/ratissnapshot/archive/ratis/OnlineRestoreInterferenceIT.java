package io.github.ratissnapshot.archive.ratis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.ratissnapshot.archive.format.ArchiveReader;
import io.github.ratissnapshot.archive.format.ArchiveWriter;
import io.github.ratissnapshot.archive.format.Snapshot;
import io.github.ratissnapshot.archive.ratis.client.RestoreClient;
import io.github.ratissnapshot.archive.ratis.client.TransferProgress;
import io.github.ratissnapshot.archive.ratis.protocol.ArchiveProtocol;
import io.github.ratissnapshot.archive.ratis.protocol.Op;
import io.github.ratissnapshot.archive.ratis.protocol.RestoreInProgressException;
import io.github.ratissnapshot.archive.ratis.server.LocalSnapshots;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.AlreadyClosedException;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What else happens to a group while an online restore is open (3 voters and a listener over gRPC):
 * application writes, a native snapshot, a client that gives up or disappears.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class OnlineRestoreInterferenceIT {
  private static final Duration PREPARE = Duration.ofSeconds(30);

  @TempDir
  Path tmp;

  private final ExecutorService background = Executors.newCachedThreadPool();

  @AfterEach
  void stopBackground() {
    background.shutdownNow();
  }

  @Test
  void applicationWritesAreRefusedWhileARestoreIsOpenAndTakenAgainAfterItEnds() throws Exception {
    Map<String, String> oldState = RestoreFixture.oldState();
    Map<String, String> newState = RestoreFixture.newState();
    Path archive = RestoreFixture.archive(newState, tmp.resolve("archives"));
    long total = Files.size(archive);
    try (LoopbackCluster c = RestoreFixture.startWith(tmp.resolve("cluster"), oldState);
        RestoreClient restore = RestoreFixture.restoreClient(c, PREPARE);
        InputStream file = Files.newInputStream(archive)) {
      RestoreFixture.Gate gate = new RestoreFixture.Gate(file, halfway(total));
      Future<RestoreClient.Result> restoring = run(() -> restore.restoreUnverified(gate, total, TransferProgress.NONE));
      gate.awaitReached();
      UUID open = awaitOpenEverywhere(c);

      try (RaftClient client = RestoreFixture.clientOfLeader(c)) {
        assertThatThrownBy(() -> client.io().send(KvTestStateMachine.put("written-during-restore", "lost")))
            .isInstanceOf(StateMachineException.class)
            .cause()
            .isExactlyInstanceOf(RestoreInProgressException.class)
            .hasMessage("write refused: online restore " + open + " is in progress; retry when it has finished");
        assertThatThrownBy(() -> client.async().send(KvTestStateMachine.put("sent-async-during-restore", "lost"))
            .get(30, TimeUnit.SECONDS))
            .isInstanceOf(ExecutionException.class)
            .cause()
            .isInstanceOf(StateMachineException.class)
            .cause()
            .isExactlyInstanceOf(RestoreInProgressException.class);
      }

      gate.open();
      RestoreClient.Result result = restoring.get(60, TimeUnit.SECONDS);
      assertThat(result.restoreId()).isEqualTo(open);
      RestoreFixture.assertSettledWith(c, newState);
    }
  }

  @Test
  void aNativeSnapshotTakenMidRestoreCoversOnlyTheStateBeforeBeginAndTheRestoreStillCompletes() throws Exception {
    Map<String, String> oldState = RestoreFixture.oldState();
    Map<String, String> newState = RestoreFixture.newState();
    Path archive = RestoreFixture.archive(newState, tmp.resolve("archives"));
    long total = Files.size(archive);
    try (LoopbackCluster c = RestoreFixture.startWith(tmp.resolve("cluster"), oldState);
        RestoreClient restore = RestoreFixture.restoreClient(c, PREPARE);
        InputStream file = Files.newInputStream(archive)) {
      RestoreFixture.Gate gate = new RestoreFixture.Gate(file, halfway(total));
      Future<RestoreClient.Result> restoring = run(() -> restore.restoreUnverified(gate, total, TransferProgress.NONE));
      gate.awaitReached();
      UUID open = awaitOpenEverywhere(c);
      RaftServer.Division leader = c.leader();
      long begin = RestoreFixture.beginIndex(leader);

      try (Snapshot snap = LocalSnapshots.newBuilder(leader).timeout(Duration.ofSeconds(30)).build().save(tmp)) {
        assertThat(snap.index()).as("index of the snapshot taken mid-restore").isLessThan(begin);
        SnapshotInfo latest = leader.getStateMachine().getLatestSnapshot();
        assertThat(latest.getIndex()).isEqualTo(snap.index());
        ByteArrayOutputStream state = new ByteArrayOutputStream();
        try (InputStream in = snap.openStream()) {
          ArchiveReader.defaults().read(in, state);
        }
        assertThat(RestoreFixture.decode(new ByteArrayInputStream(state.toByteArray())))
            .as("state in the snapshot taken mid-restore").isEqualTo(oldState);
      }
      // A follower snapshots mid-restore too, then restarts: it loads the pre-restore snapshot and
      // replays BEGIN and the chunks so far from its log.
      RaftPeerId follower = c.peers().stream().map(p -> p.getId())
          .filter(id -> !id.equals(leader.getId())).findFirst().orElseThrow();
      try (Snapshot snap = LocalSnapshots.newBuilder(c.division(follower)).timeout(Duration.ofSeconds(30)).build().save(tmp)) {
        assertThat(snap.index()).as("index of the follower's snapshot taken mid-restore").isLessThan(begin);
      }
      c.restart(follower);
      KvTestStateMachine restarted = c.stateMachine(follower);
      Eventually.until(RestoreFixture.CONVERGE, follower + " to reopen the restore from its log",
          () -> open.equals(restarted.archiveSupport().openRestoreId()));
      assertThat(restarted.entries()).as("%s while the restore is open", follower).isEqualTo(oldState);

      gate.open();
      assertThat(restoring.get(60, TimeUnit.SECONDS).restoreId()).isEqualTo(open);
      RestoreFixture.assertSettledWith(c, newState);
    }
  }

  @Test
  void aClientWhoseArchiveFailsMidwayAbortsLeavingNoStagingFilesAndTheNextRestoreSucceeds() throws Exception {
    Map<String, String> oldState = RestoreFixture.oldState();
    Map<String, String> newState = RestoreFixture.newState();
    Path archive = RestoreFixture.archive(newState, tmp.resolve("archives"));
    long total = Files.size(archive);
    long failAt = halfway(total);
    try (LoopbackCluster c = RestoreFixture.startWith(tmp.resolve("cluster"), oldState)) {
      try (RestoreClient restore = RestoreFixture.restoreClient(c, PREPARE);
          InputStream failing = new FailingAt(Files.newInputStream(archive), failAt)) {
        assertThatThrownBy(() -> restore.restoreUnverified(failing, total, TransferProgress.NONE))
            .isExactlyInstanceOf(IOException.class)
            .hasMessage("simulated read failure at byte " + failAt);
      }
      RestoreFixture.awaitAllApplied(c);
      assertThat(RestoreFixture.restoreEntries(c.leader()).values()).as("restore entries in the leader's log")
          .hasAtLeastOneElementOfType(Op.Abort.class);
      RestoreFixture.assertNoRestoreOpen(c);
      assertThat(RestoreFixture.stagingFiles(c)).as("staging files after ABORT").isEmpty();
      RestoreFixture.assertEveryReplicaHolds(c, oldState);

      try (RestoreClient restore = RestoreFixture.restoreClient(c, PREPARE)) {
        restore.restore(archive, TransferProgress.NONE);
      }
      RestoreFixture.assertSettledWith(c, newState);
    }
  }

  @Test
  @SuppressWarnings("try") // the test closes the client itself mid-restore, as a crashed one would vanish
  void aRestoreWhoseClientClosedMidwayHoldsTheGroupUntilTheNextRestoreSupersedesIt() throws Exception {
    Map<String, String> oldState = RestoreFixture.oldState();
    Map<String, String> newState = RestoreFixture.newState();
    Path archive = RestoreFixture.archive(newState, tmp.resolve("archives"));
    long total = Files.size(archive);
    try (LoopbackCluster c = RestoreFixture.startWith(tmp.resolve("cluster"), oldState);
        InputStream file = Files.newInputStream(archive);
        RestoreClient abandoned = RestoreFixture.restoreClient(c, PREPARE)) {
      RestoreFixture.Gate gate = new RestoreFixture.Gate(file, halfway(total));
      Future<RestoreClient.Result> restoring =
          run(() -> abandoned.restoreUnverified(gate, total, TransferProgress.NONE));
      gate.awaitReached();
      UUID first = awaitOpenEverywhere(c);
      abandoned.close(); // the client disappears mid-restore; try-with-resources closes it again, harmlessly
      gate.open();
      assertThatThrownBy(() -> restoring.get(60, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isExactlyInstanceOf(IOException.class)
          .hasMessageStartingWith("failed to send restore " + first + " on group " + c.group().getGroupId() + " at ")
          .hasMessageEndingWith(" is closed.")
          .hasRootCauseInstanceOf(AlreadyClosedException.class);

      // Its ABORT could not be sent: the restore stays open, the old state stays, writes are refused.
      RestoreFixture.awaitAllApplied(c);
      for (RaftPeerId id : c.runningIds()) {
        KvTestStateMachine sm = c.stateMachine(id);
        assertThat(sm.archiveSupport().openRestoreId()).as("open restore on %s", id).isEqualTo(first);
        assertThat(sm.entries()).as("state of %s", id).isEqualTo(oldState);
      }
      assertThat(RestoreFixture.stagingFiles(c)).as("staging files of the abandoned restore")
          .hasSize(c.peers().size());
      try (RaftClient client = RestoreFixture.clientOfLeader(c)) {
        assertThatThrownBy(() -> client.io().send(KvTestStateMachine.put("k", "v")))
            .isInstanceOf(StateMachineException.class)
            .cause()
            .isExactlyInstanceOf(RestoreInProgressException.class)
            .hasMessage("write refused: online restore " + first + " is in progress; retry when it has finished");
      }

      RestoreClient.Result second;
      try (RestoreClient restore = RestoreFixture.restoreClient(c, PREPARE)) {
        second = restore.restore(archive, TransferProgress.NONE);
      }
      assertThat(second.restoreId()).isNotEqualTo(first);
      RestoreFixture.assertSettledWith(c, newState);
    }
  }

  /** Half the archive, rounded down to a chunk boundary. */
  private static long halfway(long total) {
    return total / 2 / RestoreFixture.CHUNK * RestoreFixture.CHUNK;
  }

  private <T> Future<T> run(Callable<T> task) {
    return background.submit(task);
  }

  /** Waits until every replica has the same restore open, and returns its id. */
  private static UUID awaitOpenEverywhere(LoopbackCluster c) throws Exception {
    UUID[] open = new UUID[1];
    Eventually.until(RestoreFixture.CONVERGE, "every replica to have the restore open", () -> {
      UUID seen = null;
      for (RaftPeerId id : c.runningIds()) {
        try {
          KvTestStateMachine sm = c.stateMachine(id);
          UUID u = sm.archiveSupport().openRestoreId();
          if (u == null || (seen != null && !seen.equals(u))) {
            return false;
          }
          seen = u;
        } catch (IOException e) {
          return false;
        }
      }
      open[0] = seen;
      return seen != null;
    });
    return open[0];
  }

  /** An archive source that breaks after {@code failAt} bytes, as a failing disk or pipe would. */
  private static final class FailingAt extends FilterInputStream {
    private final long failAt;
    private long position;

    FailingAt(InputStream in, long failAt) {
      super(in);
      this.failAt = failAt;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (position >= failAt) {
        throw new IOException("simulated read failure at byte " + failAt);
      }
      int n = super.read(b, off, (int) Math.min(len, failAt - position));
      if (n > 0) {
        position += n;
      }
      return n;
    }
  }
}
