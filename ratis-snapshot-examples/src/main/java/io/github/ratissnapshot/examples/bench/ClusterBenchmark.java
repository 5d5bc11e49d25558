package io.github.ratissnapshot.examples.bench;

import io.github.ratissnapshot.archive.agent.BackupAgent;
import io.github.ratissnapshot.archive.agent.CycleResult;
import io.github.ratissnapshot.archive.cli.Sizes;
import io.github.ratissnapshot.archive.format.ArchiveReader;
import io.github.ratissnapshot.archive.format.ArchiveSummary;
import io.github.ratissnapshot.archive.format.ArchiveWriter;
import io.github.ratissnapshot.archive.format.AtomicFile;
import io.github.ratissnapshot.archive.format.Configuration;
import io.github.ratissnapshot.archive.format.SnapshotMeta;
import io.github.ratissnapshot.archive.ratis.ArchiveServerProperties;
import io.github.ratissnapshot.archive.ratis.client.GroupConnection;
import io.github.ratissnapshot.archive.ratis.client.RestoreClient;
import io.github.ratissnapshot.archive.ratis.client.SaveClient;
import io.github.ratissnapshot.archive.ratis.client.TransferProgress;
import io.github.ratissnapshot.archive.store.LocalDirectoryStore;
import io.github.ratissnapshot.examples.Polling;
import io.github.ratissnapshot.examples.cluster.ExampleCluster;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServerConfigKeys;

/**
 * Save and online restore of a large state on a loopback cluster (3 nodes unless told), each split into its
 * stages, next to
 * two baselines measured in the same run: writing an archive of the same state from a local file with the same
 * writer (what a save could at best cost), and the time Ratis's own InstallSnapshot takes to bring a new, empty
 * server to the same state when a configuration change adds it (what a restore is compared with). The nodes run
 * in this JVM or, with {@link Nodes#PROCESSES}, each in a process of its own. A group of one node measures what
 * one replica does in a restore with the machine to itself, as each replica of a real cluster has.
 *
 * <p>Every wait has a deadline (5 minutes plus the state at 2 MB/s): a phase that does not finish fails the
 * run with one line naming it, rather than hang.
 */
public final class ClusterBenchmark {
  /** Where the benchmark's nodes run. */
  public enum Nodes {
    /** Every node in this JVM, sharing its heap with the client. */
    IN_PROCESS,
    /** Each node in a JVM of its own ({@code cluster node}). */
    PROCESSES
  }

  /** Each node process's default heap ({@code -Xmx}). */
  public static final String NODE_HEAP = "256m";

  private final long size;
  private final Path scratch;
  private final PrintWriter out;
  private final Nodes where;
  private final String nodeHeap;
  private final int voters;
  private final Duration phaseLimit;

  /**
   * The measured stages, each in wall-clock and CPU seconds.
   *
   * @param stateBytes bytes of state
   * @param archiveBytes bytes of the archive saved
   * @param nodes where the nodes ran
   * @param generateSeconds writing the state through the log to every node
   * @param localWrite the save's baseline: the same writer writing an archive of the same state from a local file
   * @param save snapshot on the leader, pull and archive, as {@code ratis-snapshot save} runs it: the leader
   *     compresses and vouches for the state (its SHA-256, each range's CRC-32), which the verification
   *     afterwards checks
   * @param saveSnapshot of the save: until the leader answered that its snapshot was taken
   * @param pullAndArchiveHere the save's pull and archive again (the snapshot already taken), with the
   *     compression in this client instead of on the leader: the wire carries the state as it is
   * @param pullAndArchiveAgain the save's pull and archive again, as the save ran it: the same work with the
   *     query paths warm (the first pull after a fresh snapshot costs both sides more), to set beside the next
   * @param pullAndArchiveChecked the save's pull and archive again, inflating every segment here to hash the
   *     state and check it against the leader's MD5 on the way in (the library's default, for callers that do
   *     not verify afterwards)
   * @param pull pulling the same (already taken) snapshot again through the archive writer at level 0 into
   *     nowhere: the transfer, digests and tar without compression or disk
   * @param verify verifying the saved archive, as {@code ratis-snapshot save} does before publishing it
   * @param agent one backup agent cycle into a local directory store (check, save, verify, publish, check the
   *     upload), after the same state is written again so that it takes a fresh snapshot too
   * @param restore online restore until every node has the state
   * @param restoreSend of the restore: until the client had sent the last chunk of the archive (the last
   *     {@link io.github.ratissnapshot.archive.ratis.client.RestoreClient#DEFAULT_IN_FLIGHT} still unacknowledged)
   * @param restorePrepare of the restore: from then until every replica was ready (the last chunks committed
   *     and applied, the archive staged, verified and extracted on each)
   * @param installSnapshot the baseline: a new server added until it has the state; null if it did not get it
   *     within the phase's deadline
   */
  public record Result(long stateBytes, long archiveBytes, Nodes nodes, double generateSeconds, Span localWrite,
      Span save, Span saveSnapshot, Span pullAndArchiveHere, Span pullAndArchiveAgain,
      Span pullAndArchiveChecked, Span pull, Span verify, Span agent, Span restore, Span restoreSend,
      Span restorePrepare, Span installSnapshot) {
    /** Returns the state's size over the archive's. */
    public double compressionRatio() {
      return (double) stateBytes / archiveBytes;
    }

    /** Returns MB (10^6 bytes) of state per second over {@code span}. */
    public double mbPerSecond(Span span) {
      return stateBytes / 1e6 / span.seconds();
    }

    /** Returns the save's rate over the local archive write's (the target is at least 0.8). */
    public double saveVsLocalWrite() {
      return localWrite.seconds() / save.seconds();
    }

    /** Returns how many times one InstallSnapshot the online restore takes (the target is at most 1.0). */
    public double restoreVsInstallSnapshot() {
      return installSnapshot == null ? Double.NaN : restore.seconds() / installSnapshot.seconds();
    }

    /** Returns how many times a plain {@code ratis-snapshot save} (save and verify) an agent cycle takes. */
    public double agentVsSave() {
      return agent.seconds() / (save.seconds() + verify.seconds());
    }

    /** Returns how many times one InstallSnapshot the save takes. */
    public double saveVsInstallSnapshot() {
      return installSnapshot == null ? Double.NaN : save.seconds() / installSnapshot.seconds();
    }

    /** Returns the save after the snapshot: pull, digests, tar, compression, file. */
    public Span savePullAndArchive() {
      return save.minus(saveSnapshot);
    }

    /** Returns the pull and archive compressed on the leader over the same compressed here (below 1: faster). */
    public double serverVsClientCompression() {
      return savePullAndArchive().seconds() / pullAndArchiveHere.seconds();
    }

    /** Returns the part of the restore after every replica was ready: commit, swap, until every node answers. */
    public Span restoreCommit() {
      return restore.minus(restoreSend).minus(restorePrepare);
    }
  }

  /**
   * Configures a run.
   *
   * @param size bytes of state
   * @param scratch a directory for the cluster's storage and the archive
   * @param out where the text report goes (a null writer for none)
   * @param where where the nodes run
   * @param nodeHeap each node process's {@code -Xmx} value, such as {@code 256m} (unused in this process)
   * @param voters the group's size, at least 1 (the server the baseline adds comes on top)
   * @throws IllegalArgumentException if {@code voters} is below 1
   */
  public ClusterBenchmark(long size, Path scratch, PrintWriter out, Nodes where, String nodeHeap, int voters) {
    if (voters < 1) {
      throw new IllegalArgumentException("a group needs at least 1 node, not " + voters);
    }
    this.size = size;
    this.scratch = scratch;
    this.out = out;
    this.where = where;
    this.nodeHeap = nodeHeap;
    this.voters = voters;
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
    RaftGroup group = ExampleCluster.group(UUID.randomUUID(), voters, 0);
    Path root = scratch.resolve("cluster");
    try (BenchNodes nodes = where == Nodes.PROCESSES
        ? NodeProcesses.start(group, root, nodeHeap, properties(), BenchCommand.ratisLogOf(scratch))
        : InProcessNodes.start(group, root, properties())) {
      out.printf("Cluster benchmark: %s of key-value-like state, %d node%s on loopback %s, %d processors, Java %s, "
          + "this JVM's heap at most %s%n", Sizes.format(size), voters, voters == 1 ? "" : "s", nodes.describe(),
          Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
          Sizes.format(Runtime.getRuntime().maxMemory()));
      String leader = awaitLeader(nodes);
      long t0 = System.nanoTime();
      String original = generate(nodes, 1, size, "generating the state");
      double generate = seconds(t0);
      out.printf("%-52s %9.2f s%n", "generate the state on every node", generate);

      Supplier<Span.Mark> clock = () -> new Span.Mark(System.nanoTime(), ownCpuSeconds() + nodes.cpuSecondsElsewhere());
      Span localWrite = localArchiveWrite(clock);
      row("baseline: archive write from a local file", localWrite);

      Stages stages = new Stages(nodes, leader, clock);
      Split save = stages.save();
      Span here = stages.pullAndArchiveHere();
      Span again = stages.pullAndArchiveAgain();
      Span checked = stages.pullAndArchiveChecked();
      Span pull = stages.pullAgain();
      Span verify = stages.verify();
      row("save + verify (what ratis-snapshot save does)", new Span(save.whole().seconds() + verify.seconds(),
          save.whole().cpuSeconds() + verify.cpuSeconds()));
      Span agent = stages.agentCycle();
      Split restore = stages.restore(original);
      Span install = installToNewServer(nodes, leader, original, clock);
      if (install != null) {
        row("baseline: InstallSnapshot to a new server", install);
      }

      Result r = new Result(size, Files.size(stages.archive), where, generate, localWrite, save.whole(),
          save.first(), here, again, checked, pull, verify, agent, restore.whole(), restore.first(), restore.second(), install);
      out.printf("archive %s (%.2fx); save runs at %.2fx the local archive write; an agent cycle takes %.2fx a "
          + "save; %s%n", Sizes.format(r.archiveBytes()), r.compressionRatio(), r.saveVsLocalWrite(), r.agentVsSave(),
          install == null ? "InstallSnapshot did not finish"
              : String.format("restore takes %.2fx the time of one InstallSnapshot", r.restoreVsInstallSnapshot()));
      out.flush();
      return r;
    }
  }

  /** An operation's span and the spans of its first stages (the rest is what remains of the whole). */
  private record Split(Span whole, Span first, Span second) {}

  /** Generates {@code bytes} of state from {@code seed} through the log; returns its fingerprint once all hold it. */
  private String generate(BenchNodes nodes, long seed, long bytes, String phase)
      throws IOException, InterruptedException {
    String fingerprint;
    try (RaftClient c = nodes.newClient()) {
      fingerprint = c.io().send(BlobStateMachine.generate(seed, bytes)).getMessage().getContent().toStringUtf8();
    }
    awaitEveryone(nodes, fingerprint, phase);
    return fingerprint;
  }

  /** The timed stages against the running cluster, in the order {@link #run} calls them; each prints its rows. */
  private final class Stages {
    private final BenchNodes nodes;
    private final String leader;
    private final Supplier<Span.Mark> clock;
    private final GroupConnection connection;
    private final Path archive;

    Stages(BenchNodes nodes, String leader, Supplier<Span.Mark> clock) {
      this.nodes = nodes;
      this.leader = leader;
      this.clock = clock;
      this.connection = GroupConnection.newBuilder().group(nodes.group()).requestTimeout(phaseLimit).build();
      this.archive = scratch.resolve("bench.snap");
    }

    /** Saves the leader's state to {@link #archive}: the whole save and, first, the leader's snapshot. */
    Split save() throws IOException, InterruptedException {
      settle();
      PhaseTimes phases = new PhaseTimes(clock);
      ArchiveSummary saved;
      try (SaveClient save = SaveClient.newBuilder(connection).server(RaftPeerId.valueOf(leader))
          .verifiesAfterwards(true).progress(phases).build(); AtomicFile file = AtomicFile.create(archive, false)) {
        saved = save.writeTo(file.stream());
        file.commit();
      }
      Span whole = phases.start().to(clock.get());
      Span snapshot = phases.until(TransferProgress.Stage.PULL);
      row("save (snapshot, pull, archive)", whole);
      row("  of which: the leader's snapshot", snapshot);
      row("  of which: pull and archive (leader compresses)", whole.minus(snapshot));
      if (saved.meta().size() != size) {
        throw new IOException("saved " + saved.meta().size() + " bytes of state, expected " + size);
      }
      return new Split(whole, snapshot, null);
    }

    /**
     * Saves the same snapshot again (nothing was applied since, so none is taken) with the compression here
     * instead of on the leader.
     */
    Span pullAndArchiveHere() throws IOException, InterruptedException {
      return saveAgain("  same pull and archive, compressed here", b -> b.compressOnServer(false));
    }

    /** Saves the same snapshot again (nothing was applied since, so none is taken) as the save did. */
    Span pullAndArchiveAgain() throws IOException, InterruptedException {
      return saveAgain("  same pull and archive again, as the save", b -> b.verifiesAfterwards(true));
    }

    /**
     * Saves the same snapshot again (nothing was applied since, so none is taken), compressed on the leader as
     * the save was, but inflating each segment here to hash and check the state on the way in.
     */
    Span pullAndArchiveChecked() throws IOException, InterruptedException {
      return saveAgain("  same pull and archive, inflated here to check", b -> b.verifiesAfterwards(false));
    }

    /** Saves the same snapshot again into a file, deleted after, with the client set up by {@code setup}. */
    private Span saveAgain(String label, UnaryOperator<SaveClient.Builder> setup)
        throws IOException, InterruptedException {
      settle();
      Span.Mark start = clock.get();
      Path again = scratch.resolve("again.snap");
      try (SaveClient client = setup.apply(SaveClient.newBuilder(connection).server(RaftPeerId.valueOf(leader)))
          .build(); AtomicFile file = AtomicFile.create(again, false)) {
        client.writeTo(file.stream());
        file.commit();
      }
      Span span = start.to(clock.get());
      Files.delete(again);
      row(label, span);
      return span;
    }

    /** Pulls the same snapshot again (nothing was applied since, so none is taken) at level 0, to nowhere. */
    Span pullAgain() throws IOException, InterruptedException {
      settle();
      Span.Mark start = clock.get();
      try (SaveClient again = SaveClient.newBuilder(connection).server(RaftPeerId.valueOf(leader))
          .compressOnServer(false).writer(ArchiveWriter.newBuilder().level(0).build()).build()) {
        again.writeTo(OutputStream.nullOutputStream());
      }
      Span pull = start.to(clock.get());
      row("pull alone: same snapshot, level 0, to nowhere", pull);
      return pull;
    }

    /** Verifies the saved archive, as {@code ratis-snapshot save} does after writing it. */
    Span verify() throws IOException, InterruptedException {
      settle();
      Span.Mark start = clock.get();
      try (InputStream in = new BufferedInputStream(Files.newInputStream(archive), 1 << 16)) {
        ArchiveReader.defaults().verify(in);
      }
      return start.to(clock.get());
    }

    /** One agent cycle to a local store, after the same state is generated again at a new index. */
    Span agentCycle() throws IOException, InterruptedException {
      // A new index, so that the leader takes a fresh snapshot as the save did.
      generate(nodes, 1, size, "generating the state again");
      settle();
      Span.Mark start = clock.get();
      CycleResult cycle;
      try (BackupAgent agent = BackupAgent.newBuilder(connection).scratchDirectory(scratch)
          .destination(new LocalDirectoryStore(scratch.resolve("store"), "store")).build()) {
        cycle = agent.runOnce();
      }
      Span span = start.to(clock.get());
      if (cycle.outcome() != CycleResult.Outcome.PUBLISHED) {
        throw new IOException("the agent cycle did not publish: " + cycle.outcome() + " at " + cycle.stage() + ": "
            + cycle.message());
      }
      row("agent cycle to a local store", span);
      return span;
    }

    /**
     * Replaces the state with a small one, then restores the saved archive online until every node holds
     * {@code original}: the whole restore, sending the archive, and the replicas' verification after it.
     */
    Split restore(String original) throws IOException, InterruptedException {
      generate(nodes, 2, 1 << 20, "generating a small state");
      settle();
      PhaseTimes phases = new PhaseTimes(clock);
      try (RestoreClient restore = RestoreClient.newBuilder(connection).prepareTimeout(phaseLimit).build()) {
        restore.restore(archive, phases);
      }
      awaitEveryone(nodes, original, "the restore");
      Span whole = phases.start().to(clock.get());
      Span sent = phases.until(TransferProgress.Stage.VERIFY);
      Span ready = phases.until(TransferProgress.Stage.COMMIT).minus(sent);
      row("online restore (every node has the state)", whole);
      row("  of which: send the archive into the log", sent);
      row("  of which: last chunks in, verify, extract", ready);
      row("  of which: commit, swap, every node answers", whole.minus(sent).minus(ready));
      return new Split(whole, sent, ready);
    }
  }

  /** The nodes' server properties: snapshots only when asked, and a log purged up to each snapshot. */
  private Map<String, String> properties() {
    Map<String, String> p = new LinkedHashMap<>();
    p.put(RaftServerConfigKeys.Snapshot.AUTO_TRIGGER_ENABLED_KEY, "false");
    // Purge the log up to each snapshot, so that a server added later gets the snapshot, not the log.
    p.put(RaftServerConfigKeys.Log.PURGE_UPTO_SNAPSHOT_INDEX_KEY, "true");
    p.put(RaftServerConfigKeys.Log.PURGE_GAP_KEY, "1");
    // Only closed segments are purged: a small state's restore must still fill more than one segment.
    // From 512 MiB of state up, this is the project's usual 8 MB.
    long segment = Math.max(1 << 20, Math.min(ArchiveServerProperties.SEGMENT_SIZE.getSize(), size / 64));
    p.put(RaftServerConfigKeys.Log.SEGMENT_SIZE_MAX_KEY, String.valueOf(segment));
    // A new server makes no log progress while its snapshot installs; give the configuration change the
    // phase's deadline, not Ratis's default of one RPC timeout, or each retry restarts the install.
    p.put(RaftServerConfigKeys.STAGING_TIMEOUT_KEY, phaseLimit.toMillis() + "ms");
    return p;
  }

  /** Writes an archive of the same state from a file on the scratch disk with the default writer. */
  private Span localArchiveWrite(Supplier<Span.Mark> clock) throws IOException, InterruptedException {
    Path state = scratch.resolve("local-state.bin");
    Path archive = scratch.resolve("local.snap");
    try {
      try (InputStream in = new KvLikeState(1, size)) {
        Files.copy(in, state);
      }
      settle();
      SnapshotMeta meta = SnapshotMeta.of(1, 1, Configuration.EMPTY, 0, size, Instant.now());
      Span.Mark start = clock.get();
      try (InputStream in = Files.newInputStream(state); AtomicFile file = AtomicFile.create(archive, false)) {
        ArchiveWriter.defaults().write(file.stream(), meta, in);
        file.commit();
      }
      return start.to(clock.get());
    } finally {
      Files.deleteIfExists(state);
      Files.deleteIfExists(archive);
    }
  }

  /**
   * Lets the disk catch up before a timed stage ({@code sync}, where there is one), so that one stage's
   * write-back does not land in the next one's time.
   */
  private static void settle() throws InterruptedException {
    try {
      new ProcessBuilder("sync").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start()
          .waitFor();
    } catch (IOException noSync) {
      // not on this system: the stages may then carry some of each other's write-back
    }
  }

  private static double ownCpuSeconds() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime() / 1e9;
  }

  private void row(String name, Span span) {
    out.printf("%-52s %9.2f s %9.1f MB/s %6.2f cores%n", name, span.seconds(), size / 1e6 / span.seconds(),
        span.cores());
    out.flush();
  }

  /** Waits until the group answers a read and returns the leader's id. */
  private String awaitLeader(BenchNodes nodes) throws IOException, InterruptedException {
    String[] leader = new String[1];
    try (RaftClient c = nodes.newClient()) {
      await(nodes, "a leader to be elected", () -> {
        try {
          leader[0] = c.io().sendReadOnly(BlobStateMachine.fingerprint()).getServerId().toString();
          return true;
        } catch (IOException e) {
          return false; // no leader yet
        }
      });
    }
    return leader[0];
  }

  /**
   * Snapshots the leader (its log is then purged), starts an empty server (n4 in a group of 3) and adds it to the
   * group; returns the span from the configuration change until it holds the state, which Ratis sends it as a
   * snapshot, or
   * null (said on the report) if it does not within the phase's deadline.
   */
  private Span installToNewServer(BenchNodes nodes, String leader, String expected, Supplier<Span.Mark> clock)
      throws IOException, InterruptedException {
    try (RaftClient c = nodes.newClient()) {
      long snapshot = c.getSnapshotManagementApi(RaftPeerId.valueOf(leader)).create(phaseLimit.toMillis())
          .getLogIndex();
      // Once the log no longer starts at 0, a new server cannot catch up from the log: the leader installs
      // its snapshot (at snapshot) and sends the entries after it.
      Path log = nodes.storage(leader).resolve(nodes.group().getGroupId().getUuid().toString()).resolve("current");
      await(nodes, "the leader's log to be purged after its snapshot at " + snapshot,
          () -> !Files.exists(log.resolve("log_inprogress_0")) && !hasSegmentFromZero(log));
      RaftPeer newcomer = RaftPeer.newBuilder().setId("n" + (voters + 1))
          .setAddress("127.0.0.1:" + ExampleCluster.freePort()).build();
      nodes.startNew(newcomer);
      List<RaftPeer> all = new ArrayList<>(nodes.group().getPeers());
      all.add(newcomer);
      settle();
      Span.Mark start = clock.get();
      RaftClientReply added = c.admin().setConfiguration(all);
      if (!added.isSuccess()) {
        throw new IOException("failed to add " + newcomer.getId() + " to the group: " + added.getException());
      }
      try {
        awaitNode(nodes, newcomer.getId(), expected, "InstallSnapshot to " + newcomer.getId());
      } catch (IOException e) {
        // Ratis's own transfer, not this project's: report it and keep the other figures.
        out.printf("%-52s did not finish: %s%n", "baseline: InstallSnapshot to a new server", e.getMessage());
        out.flush();
        return null;
      }
      return start.to(clock.get());
    }
  }

  private static boolean hasSegmentFromZero(Path logDir) {
    try (Stream<Path> files = Files.list(logDir)) {
      return files.anyMatch(f -> f.getFileName().toString().startsWith("log_0-"));
    } catch (IOException e) {
      throw new UncheckedIOException(e); // not yet
    }
  }

  /** Polls {@code condition} until it holds; fails at once, naming its output, if a node exits meanwhile. */
  private void await(BenchNodes nodes, String what, BooleanSupplier condition)
      throws IOException, InterruptedException {
    IOException[] exited = new IOException[1];
    Polling.until(phaseLimit, what, () -> {
      try {
        nodes.checkRunning();
      } catch (IOException e) {
        exited[0] = e;
        return true;
      }
      return condition.getAsBoolean();
    });
    if (exited[0] != null) {
      throw new IOException("waiting for " + what + ": " + exited[0].getMessage(), exited[0]);
    }
  }

  private void awaitEveryone(BenchNodes nodes, String expected, String phase)
      throws IOException, InterruptedException {
    for (RaftPeer p : nodes.group().getPeers()) {
      awaitNode(nodes, p.getId(), expected, phase);
    }
  }

  private void awaitNode(BenchNodes nodes, RaftPeerId id, String expected, String phase)
      throws IOException, InterruptedException {
    try (RaftClient c = nodes.newClient()) {
      await(nodes, phase + ": " + id + " to hold the state", () -> {
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
