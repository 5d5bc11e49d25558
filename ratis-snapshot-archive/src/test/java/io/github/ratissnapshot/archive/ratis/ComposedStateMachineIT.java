package io.github.ratissnapshot.archive.ratis;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.ratissnapshot.archive.format.ArchiveWriter;
import io.github.ratissnapshot.archive.format.Snapshot;
import io.github.ratissnapshot.archive.ratis.client.RestoreClient;
import io.github.ratissnapshot.archive.ratis.client.TransferProgress;
import io.github.ratissnapshot.archive.ratis.server.LocalSnapshots;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The mixin's parts work in a state machine that cannot extend {@code BaseStateMachine}. */
@Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ComposedStateMachineIT {
  @TempDir
  Path tmp;

  @Tag("compat")
  @Test
  void aStateMachineWithAnotherSuperclassSavesRestoresAndRecoversThroughArchiveSupport() throws Exception {
    try (LoopbackCluster c = LoopbackCluster.define(tmp.resolve("c"), 3, 0, ComposedKvStateMachine::new,
        LoopbackCluster::smallLogs).start()) {
      RaftServer.Division leader = c.leader();
      Map<String, String> saved = new TreeMap<>();
      try (RaftClient client = c.client()) {
        for (int i = 0; i < 50; i++) {
          client.io().send(KvTestStateMachine.put("c" + i, "v" + i));
          saved.put("c" + i, "v" + i);
        }
      }
      try (Snapshot snap = LocalSnapshots.newBuilder(leader).timeout(Duration.ofMinutes(1)).build().save(tmp)) {
        assertThat(snap.index()).isGreaterThan(0);
        try (RaftClient client = c.client()) {
          client.io().send(KvTestStateMachine.put("c0", "changed"));
        }
        try (RestoreClient restore = RestoreClient.newBuilder(c.connection()).build()) {
          restore.restore(snap.path(), TransferProgress.NONE);
        }
      }
      for (RaftPeerId id : c.runningIds()) {
        ComposedKvStateMachine sm = c.stateMachine(id);
        Eventually.until(Duration.ofSeconds(30), id + " restored", () -> sm.entries().equals(saved));
      }
      RaftPeerId restarted = c.runningIds().get(0);
      c.restart(restarted);
      ComposedKvStateMachine sm = c.stateMachine(restarted);
      Eventually.until(Duration.ofSeconds(30), restarted + " recovers the restored state",
          () -> sm.entries().equals(saved));
    }
  }
}
