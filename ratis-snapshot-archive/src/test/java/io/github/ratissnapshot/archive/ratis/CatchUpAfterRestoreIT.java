package io.github.ratissnapshot.archive.ratis;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.ratissnapshot.archive.format.ArchiveWriter;
import io.github.ratissnapshot.archive.format.Snapshot;
import io.github.ratissnapshot.archive.ratis.client.RestoreClient;
import io.github.ratissnapshot.archive.ratis.client.TransferProgress;
import io.github.ratissnapshot.archive.ratis.server.LocalSnapshots;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.storage.RaftStorage;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** After an online restore the restored state is the group's state for every later way of joining it. */
@Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CatchUpAfterRestoreIT {
  @TempDir
  Path tmp;

  @Tag("compat")
  @Test
  void restoredStateSurvivesRestartsAndReachesANewPeerByInstallSnapshot() throws Exception {
    try (LoopbackCluster c = LoopbackCluster.define(tmp.resolve("c"), 3, 0, KvTestStateMachine::new,
        LoopbackCluster::smallLogs).start()) {
      RaftServer.Division leader = c.leader();
      Map<String, String> saved = new TreeMap<>();
      long commitIndex;
      try (RaftClient client = c.client()) {
        for (int i = 0; i < 300; i++) {
          client.io().send(KvTestStateMachine.put("r" + i, "before-" + i));
          saved.put("r" + i, "before-" + i);
        }
      }
      try (Snapshot snap = LocalSnapshots.newBuilder(leader).timeout(Duration.ofMinutes(1)).build().save(tmp)) {
        try (RaftClient client = c.client()) {
          for (int i = 0; i < 300; i++) {
            client.io().send(KvTestStateMachine.put("r" + i, "after-" + i));
          }
        }
        try (RestoreClient restore = RestoreClient.newBuilder(c.connection()).build()) {
          commitIndex = restore.restore(snap.path(), TransferProgress.NONE).commitIndex();
        }
      }
      for (RaftPeerId id : c.runningIds()) {
        KvTestStateMachine sm = c.stateMachine(id);
        Eventually.until(Duration.ofSeconds(30), id + " restored", () -> sm.entries().equals(saved));
        long committed = commitIndex;
        Eventually.until(Duration.ofSeconds(30), id + " snapshotted the restored state", () -> {
          try {
            return c.division(id).getStateMachine().getLatestSnapshot().getIndex() >= committed;
          } catch (Exception e) {
            return false;
          }
        });
      }

      for (RaftPeerId id : new ArrayList<>(c.runningIds())) {
        c.restart(id);
        c.leader();
        KvTestStateMachine sm = c.stateMachine(id);
        Eventually.until(Duration.ofSeconds(30), id + " holds the restored state after a restart",
            () -> sm.entries().equals(saved));
      }

      RaftPeer fresh = RaftPeer.newBuilder().setId("n9").setAddress("127.0.0.1:" + LoopbackCluster.freePort()).build();
      List<RaftPeer> grown = new ArrayList<>(c.group().getPeers());
      grown.add(fresh);
      LoopbackCluster withNew = LoopbackCluster.define(tmp.resolve("c"),
          RaftGroup.valueOf(c.group().getGroupId(), grown), KvTestStateMachine::new, LoopbackCluster::smallLogs);
      try (withNew) {
        RaftServer server = withNew.start(fresh.getId(), RaftStorage.StartupOption.FORMAT);
        try (RaftClient client = c.client()) {
          assertThat(client.admin().setConfiguration(grown).isSuccess()).isTrue();
        }
        KvTestStateMachine sm = (KvTestStateMachine) server.getDivision(c.group().getGroupId()).getStateMachine();
        Eventually.until(Duration.ofSeconds(60), "the new peer catches up", () -> sm.entries().equals(saved));
        assertThat(sm.getLatestSnapshot()).as("the new peer received a snapshot").isNotNull();
      }
    }
  }
}
