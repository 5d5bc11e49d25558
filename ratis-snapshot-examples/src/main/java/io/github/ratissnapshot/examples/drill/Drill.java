package io.github.ratissnapshot.examples.drill;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.ratissnapshot.archive.cli.Sizes;
import io.github.ratissnapshot.examples.Main;
import io.github.ratissnapshot.examples.ScratchDirectory;
import io.github.ratissnapshot.examples.cluster.ExampleCluster;
import io.github.ratissnapshot.examples.kv.KvClient;
import io.github.ratissnapshot.examples.kv.KvCommand;
import io.github.ratissnapshot.examples.kv.KvStateMachine;
import io.github.ratissnapshot.examples.kv.KvStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import picocli.CommandLine;

/**
 * The disaster-recovery drill: everything an operator would do after losing a cluster, end to end, on a
 * real 3-node cluster in this process. Start a cluster, load data, save an archive and verify it with the
 * {@code ratis-snapshot} commands, destroy the cluster, seed a new one (new group id, new ports) from the
 * archive, check every key on every node, change the data, restore the archive online, check again. Then the
 * continuous path: backup agent cycles into an archive store with writes between them, list, prune, destroy
 * the cluster, seed a third one from the newest archive in the store and check every key.
 */
public final class Drill {
  private static final int NODES = 3;
  private static final int BATCH = 1000;
  private static final int CYCLES = 3;

  /**
   * What to run.
   *
   * @param keys keys to load
   * @param valueSize bytes per value
   * @param dir the work directory to keep, or null for a temporary one
   * @param keepArchive where to copy the drill's archive, or null
   * @param store the archive store of the continuous path, or null for {@code <work>/archives}
   */
  public record Options(long keys, int valueSize, Path dir, Path keepArchive, String store) {}

  private final Options options;
  private final DrillReport report;
  private final PrintWriter out;

  /** Prepares a drill that reports to {@code out}. */
  public Drill(Options options, PrintWriter out) {
    this.options = options;
    this.out = out;
    this.report = new DrillReport(out);
  }

  /** Runs every step; returns true when every check passed. */
  public boolean run() throws Exception {
    try (ScratchDirectory scratch = options.dir() != null ? ScratchDirectory.keep(options.dir())
        : ScratchDirectory.create(null, "ratis-snapshot-drill-")) {
      return run(scratch.path());
    }
  }

  private boolean run(Path work) throws Exception {
    Path archive = work.resolve("drill.snap");
    String store = options.store() != null ? options.store() : work.resolve("archives").toString();
    KvStore.Digest finalState;
    out.printf("Disaster-recovery drill: %d keys of %d bytes, %d-node clusters on loopback, work dir %s%n%n",
        options.keys(), options.valueSize(), NODES, work);
    try {
      KvStore.Digest expected = expectedDigest();
      RaftGroup a = ExampleCluster.group(UUID.randomUUID(), NODES, 0);
      try (ExampleCluster cluster = step("start cluster A (" + NODES + " nodes)",
          () -> started(a, work.resolve("a")), c -> "group " + a.getGroupId().getUuid())) {
        step("load " + options.keys() + " keys", () -> load(cluster), d -> d.count() + " keys, sha256 "
            + abbreviate(d.sha256()));
        check("cluster A holds the loaded keys", () -> digestsOf(cluster), expected);
        cli("save an archive (ratis-snapshot save)", saved -> describeArchive(archive), "save",
            "--peers", cluster.peersArgument(), "--group", a.getGroupId().getUuid().toString(), archive.toString());
      }
      cli("verify the archive (ratis-snapshot verify)", verified -> "valid", "verify", archive.toString());
      cli("inspect the archive (ratis-snapshot inspect)", Drill::describeInspect, "inspect", "--format", "json",
          archive.toString());
      step("destroy cluster A", () -> {
        ScratchDirectory.deleteTree(work.resolve("a"));
        return Files.exists(work.resolve("a"));
      }, gone -> "storage deleted");

      RaftGroup b = ExampleCluster.group(UUID.randomUUID(), NODES, 0);
      String peersB = peersArgument(b);
      for (RaftPeer p : b.getPeers()) {
        cli("seed " + p.getId() + " of cluster B (ratis-snapshot seed)", seeded -> "storage prepared", "seed",
            "--storage-dir", work.resolve("b").resolve(p.getId().toString()).toString(),
            "--peer", p.getId().toString(), "--peers", peersB, "--group", b.getGroupId().getUuid().toString(),
            archive.toString());
      }
      try (ExampleCluster cluster = step("start cluster B on the seeded storage",
          () -> started(b, work.resolve("b")), c -> "group " + b.getGroupId().getUuid())) {
        check("every node of B holds every key", () -> digestsOf(cluster), expected);
        step("change cluster B (put, overwrite, delete)", () -> mutate(cluster), d -> "now " + d.count()
            + " keys, sha256 " + abbreviate(d.sha256()));
        cli("restore the archive online (ratis-snapshot restore)", restored -> "committed", "restore", "--peers", peersB,
            "--group", b.getGroupId().getUuid().toString(), archive.toString());
        check("every node of B is back to the archive's keys", () -> digestsOf(cluster), expected);
        step("cluster B takes writes after the restore", () -> {
          try (RaftClient c = cluster.newClient()) {
            return new KvClient(c).put("drill/after-restore", "ok");
          }
        }, previous -> "write accepted");
        finalState = continuousBackups(cluster, b, store);
      }
      step("destroy cluster B", () -> {
        ScratchDirectory.deleteTree(work.resolve("b"));
        return Files.exists(work.resolve("b"));
      }, gone -> "storage deleted");
      RaftGroup c = ExampleCluster.group(UUID.randomUUID(), NODES, 0);
      String peersC = peersArgument(c);
      for (RaftPeer p : c.getPeers()) {
        cli("seed " + p.getId() + " of cluster C (ratis-snapshot seed --latest)",
            seeded -> "from archive " + after(seeded.strip().lines().findFirst().orElse(""), ": archive "), "seed", "--storage-dir", work.resolve("c").resolve(p.getId().toString()).toString(),
            "--peer", p.getId().toString(), "--peers", peersC, "--group", c.getGroupId().getUuid().toString(),
            "--latest", store, "--source-group", b.getGroupId().getUuid().toString());
      }
      try (ExampleCluster cluster = step("start cluster C on the seeded storage",
          () -> started(c, work.resolve("c")), cc -> "group " + c.getGroupId().getUuid())) {
        KvStore.Digest last = finalState;
        check("every node of C holds cluster B's last state", () -> digestsOf(cluster), last);
      }
      if (options.keepArchive() != null) {
        Files.copy(archive, options.keepArchive(), StandardCopyOption.REPLACE_EXISTING);
        out.printf("%nArchive kept at %s%n", options.keepArchive());
      }
    } catch (StepFailed e) {
      // reported already
    }
    out.printf("%n%s: %d steps in %.1f s; archive %s%n", report.passed() ? "DRILL PASSED" : "DRILL FAILED",
        report.count(), report.totalSeconds(), Files.exists(archive) ? Sizes.format(Files.size(archive))
            : options.keepArchive() != null && Files.exists(options.keepArchive())
            ? Sizes.format(Files.size(options.keepArchive())) : "removed");
    out.flush();
    return report.passed();
  }

  /**
   * The continuous path: agent cycles with writes between them (and one without, which skips), the store's
   * list, a prune; returns the state the newest archive holds.
   */
  private KvStore.Digest continuousBackups(ExampleCluster cluster, RaftGroup b, String store) throws StepFailed {
    String[] group = {"--peers", peersArgument(b), "--group", b.getGroupId().getUuid().toString()};
    KvStore.Digest state = null;
    for (int cycle = 1; cycle <= CYCLES; cycle++) {
      int n = cycle;
      state = step("write between agent cycles (" + n + " of " + CYCLES + ")", () -> {
        sleep(1000); // archive names are to the second
        try (RaftClient c = cluster.newClient()) {
          KvClient kv = new KvClient(c);
          kv.put("drill/cycle", String.valueOf(n));
          return kv.digest();
        }
      }, d -> d.count() + " keys, sha256 " + abbreviate(d.sha256()));
      cli("agent cycle " + n + " (ratis-snapshot agent --once)", Drill::agentLine,
          concat(new String[] {"agent", "--once", "--to", store}, group));
    }
    cli("agent cycle, no writes (ratis-snapshot agent --once)", Drill::agentLine,
        concat(new String[] {"agent", "--once", "--to", store}, group));
    cli("list the store (ratis-snapshot list)", listed -> firstLine(listed), "list", store, "--group",
        b.getGroupId().getUuid().toString());
    cli("prune to the 2 newest (ratis-snapshot prune)", Drill::lastLine, "prune", store,
        "--group", b.getGroupId().getUuid().toString(), "--retain", "last=2");
    return state;
  }

  /** The agent's line without its time and with archive names instead of their addresses in the store. */
  private static String agentLine(String output) {
    String line = output.strip().lines().findFirst().orElse("");
    int at = line.indexOf(' ');
    return firstLine((at > 0 ? line.substring(at + 1) : line).replaceAll("\\S*/[0-9a-f-]{36}/", ""));
  }

  private static String after(String line, String marker) {
    int at = line.indexOf(marker);
    return at < 0 ? line : line.substring(at + marker.length());
  }

  private static String lastLine(String output) {
    List<String> lines = output.strip().lines().toList();
    return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
  }

  private static String[] concat(String[] a, String[] b) {
    String[] all = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }

  private ExampleCluster started(RaftGroup group, Path dir) throws Exception {
    ExampleCluster c = ExampleCluster.start(group, dir, KvStateMachine::new, p -> { });
    try {
      c.awaitLeader(Duration.ofSeconds(30));
      return c;
    } catch (IOException | InterruptedException e) {
      c.close();
      throw e;
    }
  }

  private KvStore.Digest expectedDigest() {
    KvStore reference = new KvStore();
    for (long i = 0; i < options.keys(); i += BATCH) {
      KvCommand.generated("drill/", i, Math.min(BATCH, options.keys() - i), options.valueSize())
          .forEach(reference::put);
    }
    return reference.digest();
  }

  private KvStore.Digest load(ExampleCluster cluster) throws IOException {
    try (RaftClient c = cluster.newClient()) {
      KvClient kv = new KvClient(c);
      for (long i = 0; i < options.keys(); i += BATCH) {
        kv.putBatch(KvCommand.generated("drill/", i, Math.min(BATCH, options.keys() - i), options.valueSize()));
      }
      return kv.digest();
    }
  }

  private KvStore.Digest mutate(ExampleCluster cluster) throws IOException {
    try (RaftClient c = cluster.newClient()) {
      KvClient kv = new KvClient(c);
      Map<String, String> changes = new LinkedHashMap<>();
      for (int i = 0; i < 100; i++) {
        changes.put("drill/new-" + i, "added after the save");
        changes.put(String.format("drill/%010d", i), "overwritten after the save");
      }
      kv.putBatch(changes);
      for (long i = Math.max(0, options.keys() - 10); i < options.keys(); i++) {
        kv.delete(String.format("drill/%010d", i));
      }
      return kv.digest();
    }
  }

  /** The digest each node reports, polled until they agree (followers apply slightly later). */
  private List<KvStore.Digest> digestsOf(ExampleCluster cluster) throws Exception {
    List<KvStore.Digest> digests = new ArrayList<>();
    try (RaftClient c = cluster.newClient()) {
      KvClient kv = new KvClient(c);
      for (RaftPeerId id : cluster.runningIds()) {
        digests.add(kv.digestOf(id));
      }
    }
    return digests;
  }

  private void check(String name, CheckedSupplier<List<KvStore.Digest>> digests, KvStore.Digest expected)
      throws StepFailed {
    long start = System.nanoTime();
    long deadline = start + Duration.ofSeconds(30).toNanos();
    List<KvStore.Digest> last = List.of();
    String error = null;
    while (System.nanoTime() < deadline) {
      try {
        last = digests.get();
        error = null;
        if (last.stream().allMatch(expected::equals)) {
          report.add(new DrillReport.Step(name, seconds(start), true, last.size() + " nodes x " + expected.count()
              + " keys, sha256 " + abbreviate(expected.sha256())));
          return;
        }
      } catch (Exception e) {
        error = e.toString();
      }
      sleep(200);
    }
    report.add(new DrillReport.Step(name, seconds(start), false, error != null ? error
        : "expected " + expected + ", nodes report " + last));
    throw new StepFailed();
  }

  private void cli(String name, Function<String, String> detail, String... args)
      throws StepFailed {
    long start = System.nanoTime();
    StringWriter captured = new StringWriter();
    StringWriter errors = new StringWriter();
    CommandLine cl = Main.commandLine();
    cl.setOut(new PrintWriter(captured, true));
    cl.setErr(new PrintWriter(errors, true));
    int code = cl.execute(args);
    String text = code == 0 ? detail(detail, captured.toString()) : "exit " + code + ": " + firstLine(errors.toString());
    report.add(new DrillReport.Step(name, seconds(start), code == 0, text));
    if (code != 0) {
      throw new StepFailed();
    }
  }

  private <T> T step(String name, CheckedSupplier<T> action, Function<T, String> detail)
      throws StepFailed {
    long start = System.nanoTime();
    try {
      T result = action.get();
      report.add(new DrillReport.Step(name, seconds(start), true, detail.apply(result)));
      return result;
    } catch (Exception e) {
      report.add(new DrillReport.Step(name, seconds(start), false, e.toString()));
      throw new StepFailed();
    }
  }

  @FunctionalInterface
  private interface CheckedSupplier<T> {
    T get() throws Exception;
  }

  /** A step failed and was reported; the drill stops. */
  private static final class StepFailed extends Exception {
    private static final long serialVersionUID = 1L;

    StepFailed() {
      super(null, null, false, false);
    }
  }

  private static String peersArgument(RaftGroup g) {
    return g.getPeers().stream().map(p -> p.getId() + "=" + p.getAddress())
        .collect(Collectors.joining(","));
  }

  private static String detail(Function<String, String> f, String output) {
    try {
      return f.apply(output);
    } catch (RuntimeException e) {
      return firstLine(output);
    }
  }

  private static String describeArchive(Path archive) {
    try {
      return "archive " + Sizes.format(Files.size(archive));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String describeInspect(String json) {
    try {
      var node = new ObjectMapper().readTree(json);
      return "Index " + node.get("Index") + ", Term " + node.get("Term") + ", state "
          + Sizes.format(node.get("Size").asLong()) + ", " + node.get("Servers").size() + " servers";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String firstLine(String s) {
    String t = s.strip();
    int nl = t.indexOf('\n');
    String line = nl < 0 ? t : t.substring(0, nl);
    return line.length() > 160 ? line.substring(0, 157) + "..." : line;
  }

  private static String abbreviate(String sha) {
    return sha.substring(0, 16) + "...";
  }

  private static double seconds(long start) {
    return (System.nanoTime() - start) / 1e9;
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
