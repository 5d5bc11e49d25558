package io.github.ratissnapshot.examples.bench;

import io.github.ratissnapshot.archive.cli.Sizes;
import io.github.ratissnapshot.archive.format.ArchiveSummary;
import io.github.ratissnapshot.archive.format.ArchiveWriter;
import io.github.ratissnapshot.archive.format.AtomicFile;
import io.github.ratissnapshot.archive.ratis.client.GroupConnection;
import io.github.ratissnapshot.archive.ratis.client.RestoreClient;
import io.github.ratissnapshot.archive.ratis.client.SaveClient;
import io.github.ratissnapshot.archive.ratis.client.TransferProgress;
import io.github.ratissnapshot.examples.ScratchDirectory;
import io.github.ratissnapshot.examples.cluster.ExampleCluster;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;

/**
 * Save and online restore of a large state on a 3-node loopback cluster, and, as the baseline measured in
 * the same run, the time Ratis's own InstallSnapshot takes to bring a wiped follower to the same state.
 */
public final class ClusterBenchmark {
  private final long size;
  private final Path scratch;
  private final PrintWriter out;

  /**
   * Configures a run.
   *
   * @param size bytes of state
   * @param scratch a directory for the cluster's storage and the archive
   * @param out where the report goes
   */
  public ClusterBenchmark(long size, Path scratch, PrintWriter out) {
    this.size = size;
    this.scratch = scratch;
    this.out = out;
  }

  /** Runs the benchmark and prints the report. */
  public void run() throws Exception {
    RaftGroup group = ExampleCluster.group(UUID.randomUUID(), 3, 0);
    out.printf("Cluster benchmark: %s of key-value-like state, 3 nodes on loopback, %d processors, Java %s%n",
        Sizes.format(size), Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
    try (ExampleCluster cluster = ExampleCluster.start(group, scratch.resolve("cluster"), BlobStateMachine::new,
        p -> RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, false))) {
      RaftServer.Division leader = cluster.awaitLeader(Duration.ofSeconds(30));
      String original;
      long t0 = System.nanoTime();
      try (RaftClient c = cluster.newClient()) {
        original = c.io().send(BlobStateMachine.generate(1, size)).getMessage().getContent().toStringUtf8();
      }
      awaitEveryone(cluster, original);
      out.printf("%-44s %9.2f s%n", "generate the state on every node", seconds(t0));

      GroupConnection connection = GroupConnection.newBuilder().group(group).requestTimeout(Duration.ofMinutes(30))
          .build();
      Path archive = scratch.resolve("bench.snap");
      long t1 = System.nanoTime();
      ArchiveSummary saved;
      try (SaveClient save = SaveClient.newBuilder(connection).server(leader.getId()).build();
          AtomicFile file = AtomicFile.create(archive, false)) {
        saved = save.writeTo(file.stream());
        file.commit();
      }
      double save = seconds(t1);
      row("save (snapshot, pull, archive)", save);

      try (RaftClient c = cluster.newClient()) {
        c.io().send(BlobStateMachine.generate(2, 1 << 20));
      }
      long t2 = System.nanoTime();
      try (RestoreClient restore = RestoreClient.newBuilder(connection).build()) {
        restore.restore(archive, TransferProgress.NONE);
      }
      awaitEveryone(cluster, original);
      double restore = seconds(t2);
      row("online restore (every node has the state)", restore);

      long t3 = System.nanoTime();
      installToWipedFollower(cluster, leader, original);
      double install = seconds(t3);
      row("baseline: InstallSnapshot to a wiped follower", install);

      out.printf("archive %s (%.2fx); restore takes %.2fx the time of one InstallSnapshot%n",
          Sizes.format(Files.size(archive)), (double) size / Files.size(archive), restore / install);
      if (saved.meta().size() != size) {
        throw new IOException("saved " + saved.meta().size() + " bytes of state, expected " + size);
      }
    }
    out.flush();
  }

  private void row(String name, double seconds) {
    out.printf("%-44s %9.2f s %9.1f MB/s%n", name, seconds, size / 1e6 / seconds);
    out.flush();
  }

  /** Removes a follower, wipes it, starts it empty and adds it back: the leader installs its snapshot. */
  private void installToWipedFollower(ExampleCluster cluster, RaftServer.Division leader, String expected)
      throws Exception {
    RaftPeerId follower = cluster.runningIds().stream().filter(id -> !id.equals(leader.getId())).findFirst()
        .orElseThrow();
    List<RaftPeer> all = new ArrayList<>(cluster.group().getPeers());
    List<RaftPeer> others = new ArrayList<>(all);
    others.removeIf(p -> p.getId().equals(follower));
    try (RaftClient c = cluster.newClient()) {
      check(c.admin().setConfiguration(others).isSuccess(), "remove " + follower);
      cluster.stopNode(follower);
      ScratchDirectory.deleteTree(scratch.resolve("cluster").resolve(follower.toString()));
      cluster.startNode(follower);
      check(c.admin().setConfiguration(all).isSuccess(), "add " + follower + " back");
    }
    awaitNode(cluster, follower, expected);
  }

  private static void awaitEveryone(ExampleCluster cluster, String expected) throws Exception {
    for (RaftPeerId id : cluster.runningIds()) {
      awaitNode(cluster, id, expected);
    }
  }

  private static void awaitNode(ExampleCluster cluster, RaftPeerId id, String expected) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(30).toNanos();
    try (RaftClient c = cluster.newClient()) {
      while (System.nanoTime() < deadline) {
        try {
          String f = c.io().sendStaleRead(BlobStateMachine.fingerprint(), 0, id).getMessage().getContent()
              .toStringUtf8();
          if (f.equals(expected)) {
            return;
          }
        } catch (IOException e) {
          // the node is starting
        }
        Thread.sleep(100);
      }
    }
    throw new IOException(id + " did not reach the expected state");
  }

  private static void check(boolean ok, String what) throws IOException {
    if (!ok) {
      throw new IOException("failed to " + what);
    }
  }

  private static double seconds(long start) {
    return (System.nanoTime() - start) / 1e9;
  }
}
