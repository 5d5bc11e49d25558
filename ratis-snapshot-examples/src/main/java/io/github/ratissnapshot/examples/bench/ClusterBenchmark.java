package io.github.ratissnapshot.examples.bench;

import io.github.ratissnapshot.archive.cli.Sizes;
import io.github.ratissnapshot.archive.format.ArchiveSummary;
import io.github.ratissnapshot.archive.format.AtomicFile;
import io.github.ratissnapshot.archive.ratis.ArchiveServerProperties;
import io.github.ratissnapshot.archive.ratis.client.GroupConnection;
import io.github.ratissnapshot.archive.ratis.client.RestoreClient;
import io.github.ratissnapshot.archive.ratis.client.SaveClient;
import io.github.ratissnapshot.archive.ratis.client.TransferProgress;
import io.github.ratissnapshot.examples.Polling;
import io.github.ratissnapshot.examples.cluster.ExampleCluster;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

/**
 * Save and online restore of a large state on a 3-node loopback cluster, and, as the baseline measured in
 * the same run, the time Ratis's own InstallSnapshot takes to bring a new, empty server to the same state
 * when a configuration change adds it.
 *
 * <p>Every wait has a deadline (5 minutes plus the state at 2 MB/s): a phase that does not finish fails the
 * run with one line naming it, rather than hang.
 */
public final class ClusterBenchmark {
  private final long size;
  private final Path scratch;
  private final PrintWriter out;
  private final Duration phaseLimit;

  /**
   * The measured times.
   *
   * @param stateBytes bytes of state
   * @param archiveBytes bytes of the archive saved
   * @param generateSeconds writing the state through the log to every node
   * @param saveSeconds snapshot on the leader, pull and archive
   * @param restoreSeconds online restore until every node has the state
   * @param installSnapshotSeconds the baseline: a new server added until it has the state
   */
  public record Result(long stateBytes, long archiveBytes, double generateSeconds, double saveSeconds,
      double restoreSeconds, double installSnapshotSeconds) {
    /** Returns the state's size over the archive's. */
    public double compressionRatio() {
      return (double) stateBytes / archiveBytes;
    }

    /** Returns MB (10^6 bytes) of state per second over {@code seconds}. */
    public double mbPerSecond(double seconds) {
      return stateBytes / 1e6 / seconds;
    }

    /** Returns how many times one InstallSnapshot the online restore takes. */
    public double restoreVsInstallSnapshot() {
      return restoreSeconds / installSnapshotSeconds;
    }

    /** Returns how many times one InstallSnapshot the save takes. */
    public double saveVsInstallSnapshot() {
      return saveSeconds / installSnapshotSeconds;
    }
  }

  /**
   * Configures a run.
   *
   * @param size bytes of state
   * @param scratch a directory for the cluster's storage and the archive
   * @param out where the text report goes (a null writer for none)
   */
  public ClusterBenchmark(long size, Path scratch, PrintWriter out) {
    this.size = size;
    this.scratch = scratch;
    this.out = out;
    this.phaseLimit = Duration.ofMinutes(5).plusSeconds(size / 2_000_000);
  }

  /**
   * Runs the benchmark and prints the report.
   *
   * @return the figures
   * @throws IOException if a phase fails or does not finish within its deadline
   * @throws InterruptedException if interrupted
   */
  public Result run() throws IOException, InterruptedException {
    RaftGroup group = ExampleCluster.group(UUID.randomUUID(), 3, 0);
    out.printf("Cluster benchmark: %s of key-value-like state, 3 nodes on loopback, %d processors, Java %s%n",
        Sizes.format(size), Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
    try (ExampleCluster cluster = ExampleCluster.start(group, scratch.resolve("cluster"), BlobStateMachine::new,
        p -> {
          RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, false);
          // Purge the log up to each snapshot, so that a server added later gets the snapshot, not the log.
          RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
          RaftServerConfigKeys.Log.setPurgeGap(p, 1);
          // Only closed segments are purged: a small state's restore must still fill more than one segment.
          // From 512 MiB of state up, this is the project's usual 8 MB.
          long segment = Math.max(1 << 20, Math.min(ArchiveServerProperties.SEGMENT_SIZE.getSize(), size / 64));
          RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf(segment));
          // A new server makes no log progress while its snapshot installs; give the configuration change
          // the phase's deadline, not Ratis's default of one RPC timeout, or each retry restarts the install.
          RaftServerConfigKeys.setStagingTimeout(p, TimeDuration.valueOf(phaseLimit.toMillis(), TimeUnit.MILLISECONDS));
        })) {
      RaftServer.Division leader = cluster.awaitLeader(Duration.ofSeconds(30));
      String original;
      long t0 = System.nanoTime();
      try (RaftClient c = cluster.newClient()) {
        original = c.io().send(BlobStateMachine.generate(1, size)).getMessage().getContent().toStringUtf8();
      }
      awaitEveryone(cluster, original, "generating the state");
      double generate = seconds(t0);
      out.printf("%-44s %9.2f s%n", "generate the state on every node", generate);

      GroupConnection connection = GroupConnection.newBuilder().group(group).requestTimeout(phaseLimit).build();
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
      if (saved.meta().size() != size) {
        throw new IOException("saved " + saved.meta().size() + " bytes of state, expected " + size);
      }

      try (RaftClient c = cluster.newClient()) {
        c.io().send(BlobStateMachine.generate(2, 1 << 20));
      }
      long t2 = System.nanoTime();
      try (RestoreClient restore = RestoreClient.newBuilder(connection).prepareTimeout(phaseLimit).build()) {
        restore.restore(archive, TransferProgress.NONE);
      }
      awaitEveryone(cluster, original, "the restore");
      double restore = seconds(t2);
      row("online restore (every node has the state)", restore);

      double install = installToNewServer(cluster, original);
      row("baseline: InstallSnapshot to a new server", install);

      Result r = new Result(size, Files.size(archive), generate, save, restore, install);
      out.printf("archive %s (%.2fx); restore takes %.2fx the time of one InstallSnapshot%n",
          Sizes.format(r.archiveBytes()), r.compressionRatio(), r.restoreVsInstallSnapshot());
      out.flush();
      return r;
    }
  }

  private void row(String name, double seconds) {
    out.printf("%-44s %9.2f s %9.1f MB/s%n", name, seconds, size / 1e6 / seconds);
    out.flush();
  }

  /**
   * Snapshots the leader (its log is then purged), starts an empty server n4 and adds it to the group; returns
   * the seconds from the configuration change until n4 holds the state, which Ratis sends it as a snapshot.
   */
  private double installToNewServer(ExampleCluster cluster, String expected) throws IOException, InterruptedException {
    RaftServer.Division leader = cluster.awaitLeader(Duration.ofSeconds(30));
    try (RaftClient c = cluster.newClient()) {
      long snapshot = c.getSnapshotManagementApi(leader.getId()).create(phaseLimit.toMillis()).getLogIndex();
      // Once the log no longer starts at 0, a new server cannot catch up from the log: the leader installs
      // its snapshot (at snapshot) and sends the entries after it.
      Polling.until(phaseLimit, "the leader's log to be purged after its snapshot at " + snapshot,
          () -> leader.getRaftLog().getStartIndex() > 0);
      RaftPeer n4 = RaftPeer.newBuilder().setId("n4").setAddress("127.0.0.1:" + ExampleCluster.freePort()).build();
      cluster.startNewNode(n4);
      List<RaftPeer> all = new ArrayList<>(cluster.group().getPeers());
      all.add(n4);
      long start = System.nanoTime();
      if (!c.admin().setConfiguration(all).isSuccess()) {
        throw new IOException("failed to add n4 to the group");
      }
      awaitNode(cluster, n4.getId(), expected, "InstallSnapshot to n4");
      return seconds(start);
    }
  }

  private void awaitEveryone(ExampleCluster cluster, String expected, String phase)
      throws IOException, InterruptedException {
    for (RaftPeerId id : cluster.runningIds()) {
      awaitNode(cluster, id, expected, phase);
    }
  }

  private void awaitNode(ExampleCluster cluster, RaftPeerId id, String expected, String phase)
      throws IOException, InterruptedException {
    try (RaftClient c = cluster.newClient()) {
      Polling.until(phaseLimit, phase + ": " + id + " to hold the state", () -> {
        try {
          return c.io().sendStaleRead(BlobStateMachine.fingerprint(), 0, id).getMessage().getContent()
              .toStringUtf8().equals(expected);
        } catch (IOException e) {
          return false; // the node is starting
        }
      });
    }
  }

  private static double seconds(long start) {
    return (System.nanoTime() - start) / 1e9;
  }
}
