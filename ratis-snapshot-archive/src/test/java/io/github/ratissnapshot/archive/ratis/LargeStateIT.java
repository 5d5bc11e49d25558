package io.github.ratissnapshot.archive.ratis;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.ratissnapshot.archive.format.ArchiveSummary;
import io.github.ratissnapshot.archive.format.ArchiveWriter;
import io.github.ratissnapshot.archive.format.AtomicFile;
import io.github.ratissnapshot.archive.format.TestStates;
import io.github.ratissnapshot.archive.ratis.client.RestoreClient;
import io.github.ratissnapshot.archive.ratis.client.SaveClient;
import io.github.ratissnapshot.archive.ratis.client.TransferProgress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.RaftPeerId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Save and online restore of a 256 MiB state on a 3-node group, in a JVM whose heap (see the module's
 * failsafe configuration, -Xmx768m) could not hold the state once per replica: nothing may keep it in
 * memory.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LargeStateIT {
  private static final long STATE = 256L << 20;

  @TempDir
  Path tmp;

  @Test
  void remoteSaveAndOnlineRestoreOfA256MiBStateStream() throws Exception {
    assertThat(Runtime.getRuntime().maxMemory()).isLessThan(4 * STATE);
    String original = TestStates.sha256Hex(7, STATE);
    try (LoopbackCluster c = LoopbackCluster.define(tmp.resolve("cluster"), 3, 0, FileBackedStateMachine::new,
        LoopbackCluster::smallLogs).start()) {
      c.leader();
      try (RaftClient client = c.client()) {
        client.io().send(FileBackedStateMachine.generate(7, STATE));
      }
      Path archive = tmp.resolve("large.snap");
      ArchiveSummary saved;
      try (SaveClient save = SaveClient.newBuilder(c.connection()).build();
          AtomicFile out = AtomicFile.create(archive, false)) {
        saved = save.writeTo(out.stream());
        out.commit();
      }
      assertThat(saved.meta().size()).isEqualTo(STATE);
      assertThat(saved.state().sha256Hex()).isEqualTo(original);

      try (RaftClient client = c.client()) {
        client.io().send(FileBackedStateMachine.generate(8, 1 << 20));
      }
      for (RaftPeerId id : c.runningIds()) {
        FileBackedStateMachine sm = c.stateMachine(id);
        Eventually.until(Duration.ofSeconds(60), id + " changed", () -> sm.size() == 1 << 20);
      }

      try (RestoreClient restore = RestoreClient.newBuilder(c.connection()).build()) {
        restore.restore(archive, TransferProgress.NONE);
      }
      for (RaftPeerId id : c.runningIds()) {
        FileBackedStateMachine sm = c.stateMachine(id);
        Eventually.until(Duration.ofSeconds(120), id + " holds the restored 256 MiB state",
            () -> sm.sha256().equals(original));
      }
    }
  }
}
