package io.github.ratissnapshot.archive.ratis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.ratissnapshot.archive.format.ArchiveSummary;
import io.github.ratissnapshot.archive.format.ArchiveWriter;
import io.github.ratissnapshot.archive.format.Snapshot;
import io.github.ratissnapshot.archive.ratis.client.GroupConnection;
import io.github.ratissnapshot.archive.ratis.client.SaveClient;
import io.github.ratissnapshot.archive.ratis.client.TransferProgress;
import io.github.ratissnapshot.archive.ratis.server.LocalSnapshots;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.server.RaftServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A snapshot that cannot be written (a full disk) fails the save that asked for it at once, with the
 * reason, instead of leaving it waiting for its timeout (Ratis only logs a state machine's snapshot
 * failure and never answers the request), and never hands out an older snapshot in its place; the server
 * keeps working, and the next save, once the disk has room, succeeds.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SnapshotWriteFailureIT {
  @TempDir
  Path tmp;

  /** The key-value test state machine on a disk that can be made full. */
  static final class DiskFullKv extends KvTestStateMachine {
    volatile boolean full;

    @Override
    public void writeState(OutputStream out) throws IOException {
      if (full) {
        out.write(new byte[1000]);
        throw new IOException("No space left on device");
      }
      super.writeState(out);
    }
  }

  @Test
  void aSaveWhoseSnapshotCannotBeWrittenFailsAtOnceWithTheReasonAndTheNextOneSucceeds() throws Exception {
    try (LoopbackCluster c = LoopbackCluster.define(tmp.resolve("c"), 3, 0, DiskFullKv::new,
        LoopbackCluster::smallLogs).start()) {
      RaftServer.Division leader = c.leader();
      try (RaftClient client = c.client()) {
        client.io().send(KvTestStateMachine.put("a", "1"));
      }
      // An older snapshot exists: the failed save must not hand it out instead.
      try (Snapshot first = LocalSnapshots.newBuilder(leader).timeout(Duration.ofMinutes(1)).build().save(tmp)) {
        assertThat(first.index()).isPositive();
      }
      try (RaftClient client = c.client()) {
        client.io().send(KvTestStateMachine.put("b", "2"));
      }
      DiskFullKv sm = c.stateMachine(leader.getId());
      sm.full = true;
      GroupConnection slow = GroupConnection.newBuilder().group(c.group()).requestTimeout(Duration.ofMinutes(10))
          .retries(2, Duration.ofMillis(100)).build();

      long started = System.nanoTime();
      try (SaveClient save = SaveClient.newBuilder(slow).server(leader.getId()).build()) {
        assertThatThrownBy(() -> save.writeTo(OutputStream.nullOutputStream()))
            .isInstanceOf(IOException.class)
            .hasMessageContaining("server " + leader.getId())
            .hasMessageContaining("No space left on device");
      }
      assertThat(Duration.ofNanos(System.nanoTime() - started)).as("failed at once, not at the 10-minute timeout")
          .isLessThan(Duration.ofMinutes(1));
      assertThatThrownBy(() -> LocalSnapshots.newBuilder(leader).timeout(Duration.ofMinutes(10)).build().save(tmp))
          .isInstanceOf(IOException.class).hasMessageContaining("No space left on device");
      assertThat(smFiles(leader)).as("no temporary snapshot file is left").noneMatch(n -> n.endsWith(".tmp"));

      long lastWrite;
      try (RaftClient client = c.client()) {
        var reply = client.io().send(KvTestStateMachine.put("c", "3"));
        assertThat(reply.isSuccess()).as("the group takes writes").isTrue();
        lastWrite = reply.getLogIndex();
      }
      sm.full = false;
      try (SaveClient save = SaveClient.newBuilder(slow).server(leader.getId()).build()) {
        ArchiveSummary s = save.writeTo(OutputStream.nullOutputStream());
        assertThat(s.meta().index()).as("the saved state covers the last write").isGreaterThanOrEqualTo(lastWrite);
        assertThat(s.state().size()).isEqualTo(KvTestStateMachine.encode(sm.entries()).length);
      }
    }
  }

  private static List<String> smFiles(RaftServer.Division d) throws IOException {
    Path sm = d.getRaftStorage().getStorageDir().getStateMachineDir().toPath();
    try (Stream<Path> files = Files.list(sm)) {
      return files.map(p -> p.getFileName().toString()).toList();
    }
  }
}
