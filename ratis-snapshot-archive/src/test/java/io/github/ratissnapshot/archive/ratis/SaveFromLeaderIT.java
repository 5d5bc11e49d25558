package io.github.ratissnapshot.archive.ratis;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.ratissnapshot.archive.format.ArchiveSummary;
import io.github.ratissnapshot.archive.format.ArchiveWriter;
import io.github.ratissnapshot.archive.ratis.client.SaveClient;
import io.github.ratissnapshot.archive.ratis.client.TransferProgress;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A save without a named server snapshots the leader. Ratis's snapshot API sends to the client's idea of the
 * leader (the first peer, or whatever leader this JVM last heard of) and servers take the snapshot without
 * checking that they lead, so the save must learn the leader first (found by the fault drills: the CLI, a new
 * JVM, always snapshotted the first peer of --peers).
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SaveFromLeaderIT {
  @TempDir
  Path tmp;

  @Test
  void saveWithoutAServerSnapshotsTheCurrentLeaderNotAFormerOne() throws Exception {
    try (LoopbackCluster c = LoopbackCluster.define(tmp.resolve("c"), 3, 0, FileBackedStateMachine::new,
        LoopbackCluster::smallLogs).start()) {
      RaftServer.Division former = c.leader();
      RaftPeerId next = c.runningIds().stream().filter(id -> !id.equals(former.getId())).findFirst().orElseThrow();
      try (RaftClient client = c.client()) {
        // the write teaches this JVM's clients that `former` leads; the transfer does not correct that
        assertThat(client.io().send(FileBackedStateMachine.generate(5, 1 << 20)).isSuccess()).isTrue();
        assertThat(client.admin().transferLeadership(next, 30_000).isSuccess()).isTrue();
      }
      Eventually.until(Duration.ofSeconds(30), next + " leads", () -> isReadyLeader(c, next));
      RaftServer.Division leader = c.division(next);
      Eventually.until(Duration.ofSeconds(30), "the former leader applied the write",
          () -> former.getInfo().getLastAppliedIndex() >= 3);

      ArchiveSummary s;
      try (SaveClient save = SaveClient.newBuilder(c.connection()).build()) {
        s = save.writeTo(OutputStream.nullOutputStream());
      }

      var leaderSnapshot = leader.getStateMachine().getLatestSnapshot();
      assertThat(leaderSnapshot).as("the leader took the snapshot").isNotNull();
      assertThat(s.meta().index()).isEqualTo(leaderSnapshot.getIndex());
      assertThat(former.getStateMachine().getLatestSnapshot())
          .as("the former leader, now a follower, was not asked for a snapshot").isNull();
    }
  }

  private static boolean isReadyLeader(LoopbackCluster c, RaftPeerId id) {
    try {
      return c.division(id).getInfo().isLeader() && c.division(id).getInfo().isLeaderReady();
    } catch (IOException e) {
      return false;
    }
  }
}
