package io.github.ratissnapshot.archive.ratis;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.ratissnapshot.archive.format.ArchiveReader;
import io.github.ratissnapshot.archive.format.ArchiveSummary;
import io.github.ratissnapshot.archive.format.ArchiveWriter;
import io.github.ratissnapshot.archive.format.Server;
import io.github.ratissnapshot.archive.format.Snapshot;
import io.github.ratissnapshot.archive.format.Suffrage;
import io.github.ratissnapshot.archive.ratis.client.RestoreClient;
import io.github.ratissnapshot.archive.ratis.client.TransferProgress;
import io.github.ratissnapshot.archive.ratis.protocol.ArchiveProtocol;
import io.github.ratissnapshot.archive.ratis.protocol.PinInfo;
import io.github.ratissnapshot.archive.ratis.server.LocalSnapshots;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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

@Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SaveAndRestoreIT {
  @TempDir
  Path tmp;

  @Tag("compat")
  @Test
  void restoreBringsEveryReplicaBackToTheSavedKeysAndTheGroupTakesWritesAfter() throws Exception {
    try (LoopbackCluster c = LoopbackCluster.define(tmp.resolve("a"), 3, 1, KvTestStateMachine::new,
        LoopbackCluster::smallLogs).start()) {
      RaftServer.Division leader = c.leader();
      Map<String, String> saved = new TreeMap<>();
      String stateSha256;
      try (RaftClient client = c.client()) {
        for (int i = 0; i < 100; i++) {
          client.io().send(KvTestStateMachine.put("k" + i, "v" + i));
          saved.put("k" + i, "v" + i);
        }
      }
      try (Snapshot snap = LocalSnapshots.newBuilder(leader).timeout(Duration.ofMinutes(1)).build().save(tmp)) {
        ArchiveSummary s;
        try (InputStream in = snap.openStream()) {
          s = ArchiveReader.defaults().verify(in);
        }
        stateSha256 = s.state().sha256Hex();
        assertThat(s.meta().index()).isEqualTo(leader.getStateMachine().getLatestSnapshot().getIndex());
        assertThat(s.meta().term()).isEqualTo(leader.getInfo().getCurrentTerm());
        assertThat(s.meta().configuration().servers()).containsExactly(
            new Server(Suffrage.VOTER, "n1", c.group().getPeer(RaftPeerId.valueOf("n1")).getAddress()),
            new Server(Suffrage.VOTER, "n2", c.group().getPeer(RaftPeerId.valueOf("n2")).getAddress()),
            new Server(Suffrage.VOTER, "n3", c.group().getPeer(RaftPeerId.valueOf("n3")).getAddress()),
            new Server(Suffrage.NONVOTER, "n4", c.group().getPeer(RaftPeerId.valueOf("n4")).getAddress()));

        try (RaftClient client = c.client()) {
          for (int i = 0; i < 50; i++) {
            client.io().send(KvTestStateMachine.put("k" + i, "changed"));
            client.io().send(KvTestStateMachine.put("extra" + i, "x"));
          }
        }
        List<String> events = new ArrayList<>();
        TransferProgress recorder = new TransferProgress() {
          @Override
          public void update(long done, long total) {
            events.add("bytes " + done + "/" + total);
          }

          @Override
          public void phase(Stage stage, String description) {
            events.add(stage + " " + description);
          }
        };
        try (RestoreClient restore = RestoreClient.newBuilder(c.connection()).build()) {
          RestoreClient.Result r = restore.restore(snap.path(), recorder);
          assertThat(r.archiveId()).isEqualTo(s.meta().id());
        }
        // Bytes, the wait for the servers, then each member's stage and the commit: what a person watching the
        // restore sees.
        long archiveBytes = Files.size(snap.path());
        int waiting = events.indexOf("VERIFY archive sent; the servers are staging and verifying it");
        int sent = events.indexOf("bytes " + archiveBytes + "/" + archiveBytes);
        assertThat(waiting).as("%s", events).isNotNegative().isLessThan(sent);
        List<String> phases = events.subList(sent + 1, events.size());
        assertThat(phases).as("%s", events).isNotEmpty().noneMatch(e -> e.startsWith("bytes "));
        assertThat(phases.get(phases.size() - 1)).isEqualTo("COMMIT committing (n1, n2, n3, n4 ready)");
        assertThat(phases.get(phases.size() - 2)).isEqualTo("VERIFY n1 ready, n2 ready, n3 ready, n4 ready");
      }
      for (RaftPeerId id : c.runningIds()) {
        KvTestStateMachine sm = c.stateMachine(id);
        Eventually.until(Duration.ofSeconds(30), id + " holds the saved keys", () -> sm.entries().equals(saved));
      }
      // Each replica's snapshot after the restore is the restored state, with the SHA-256 its extraction
      // checked: a save from any of them can splice without inflating.
      try (RaftClient client = c.client()) {
        for (RaftPeerId id : c.runningIds()) {
          Eventually.until(Duration.ofSeconds(30), id + " pins the restored state with its SHA-256", () -> {
            try {
              PinInfo pin = PinInfo.parse(client.io().sendStaleRead(ArchiveProtocol.pin(id.toString()), 0, id)
                  .getMessage().getContent(), id);
              client.io().sendStaleRead(ArchiveProtocol.release(pin.pinId()), 0, id);
              return stateSha256.equals(pin.sha256Hex());
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          });
        }
      }
      try (RaftClient client = c.client()) {
        client.io().send(KvTestStateMachine.put("after", "restore"));
      }
      for (RaftPeerId id : c.runningIds()) {
        KvTestStateMachine sm = c.stateMachine(id);
        Eventually.until(Duration.ofSeconds(30), id + " applies writes after the restore",
            () -> "restore".equals(sm.entries().get("after")));
      }
    }
  }
}
