package io.github.ratissnapshot.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The example key-value cluster running as real processes: either {@code ratis-snapshot cluster start} (every
 * node in one process) or one {@code ratis-snapshot cluster node} process per node; plus the {@code kv}
 * commands to use it, each run as a process too.
 *
 * <p>The caller closes it; closing stops every process.
 */
final class ClusterProcess implements AutoCloseable {
  /** How long a cluster may take to print its "running" line, and nodes to agree on a state. */
  static final Duration STARTUP = Duration.ofSeconds(60);

  private static final Pattern RUNNING = Pattern.compile("\\brunning\\b");

  private final List<BackgroundProcess> processes;
  private final Map<String, String> peers;
  private final UUID group;

  private ClusterProcess(List<BackgroundProcess> processes, Map<String, String> peers, UUID group) {
    this.processes = processes;
    this.peers = peers;
    this.group = group;
  }

  /** Starts a cluster of {@code nodes} nodes on free ports with a new group id, storing under {@code dir}. */
  static ClusterProcess start(Path dir, int nodes) {
    return start(dir, nodes, FreePorts.consecutive(nodes), UUID.randomUUID());
  }

  /**
   * Runs {@code cluster start --nodes N --base-port B --dir DIR --group G} and waits for its "running" line;
   * its output goes to {@code DIR/logs}.
   */
  static ClusterProcess start(Path dir, int nodes, int basePort, UUID group) {
    Map<String, String> peers = new LinkedHashMap<>();
    for (int i = 1; i <= nodes; i++) {
      peers.put("n" + i, "127.0.0.1:" + (basePort + i - 1));
    }
    BackgroundProcess p = BackgroundProcess.launch("cluster-" + basePort, dir.resolve("logs"), "cluster", "start",
        "--nodes", String.valueOf(nodes), "--base-port", String.valueOf(basePort), "--dir", dir.toString(),
        "--group", group.toString());
    ClusterProcess c = new ClusterProcess(List.of(p), peers, group);
    try {
      String line = p.awaitLine(RUNNING, STARTUP);
      assertThat(line).as(p::describe).contains("group " + group);
      p.awaitLine(Pattern.compile("^--peers " + Pattern.quote(c.peersArgument()) + "$"), STARTUP);
      return c;
    } catch (RuntimeException | AssertionError e) {
      c.close();
      throw e;
    }
  }

  /**
   * Runs one {@code cluster node --id ID --peers ... --dir DIR --group G} process per peer, with
   * {@code storage.get(id)} as DIR, and waits for each "running" line; output goes to {@code logDir}.
   */
  static ClusterProcess startNodes(Map<String, String> peers, UUID group, Map<String, Path> storage, Path logDir) {
    ClusterProcess c = new ClusterProcess(new ArrayList<>(), new LinkedHashMap<>(peers), group);
    try {
      for (String id : peers.keySet()) {
        c.processes.add(BackgroundProcess.launch("node-" + id, logDir, "cluster", "node", "--id", id,
            "--peers", c.peersArgument(), "--dir", storage.get(id).toString(), "--group", group.toString()));
      }
      for (BackgroundProcess p : c.processes) {
        assertThat(p.awaitLine(RUNNING, STARTUP)).as(p::describe).contains("group " + group);
      }
      return c;
    } catch (RuntimeException | AssertionError e) {
      c.close();
      throw e;
    }
  }

  /** Returns {@code n1=127.0.0.1:port,...}, the form {@code --peers} takes. */
  String peersArgument() {
    return peersArgument(peers);
  }

  /** Returns {@code id=address,...} for {@code peers}. */
  static String peersArgument(Map<String, String> peers) {
    return peers.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(","));
  }

  /** Returns the node ids, n1 first. */
  List<String> ids() {
    return List.copyOf(peers.keySet());
  }

  /** Returns a node's address. */
  String address(String id) {
    return peers.get(id);
  }

  /** Returns the group id. */
  UUID group() {
    return group;
  }

  /** Runs {@code kv <args> --peers ... --group ...}. */
  CliProcess.Result kv(String... args) {
    List<String> all = new ArrayList<>();
    all.add("kv");
    all.addAll(Arrays.asList(args));
    all.addAll(List.of("--peers", peersArgument(), "--group", group.toString()));
    return CliProcess.run(all.toArray(String[]::new));
  }

  /** Runs a {@code kv} command that must succeed, and returns its standard output, stripped. */
  String kvOk(String... args) {
    CliProcess.Result r = kv(args);
    assertThat(r.exitCode()).as(() -> r.describe() + "\n" + describe()).isZero();
    return r.stdout().strip();
  }

  /** Returns {@code kv digest} (the leader's state, linearizable): {@code "<n> keys, sha256 <hex>"}. */
  String digest() {
    return kvOk("digest");
  }

  /**
   * Waits until node {@code id} reports digest {@code expected} ({@code kv digest --server id}); followers
   * apply a little after the leader, so this polls until {@code timeout}.
   */
  void awaitDigest(String id, String expected, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    CliProcess.Result last;
    do {
      last = kv("digest", "--server", id);
      if (last.exitCode() == 0 && last.stdout().strip().equals(expected)) {
        return;
      }
      BackgroundProcess.sleep(300);
    } while (System.nanoTime() < deadline);
    fail("node %s did not reach digest '%s' within %s; last: %s%n%s", id, expected, timeout, last.describe(),
        describe());
  }

  /** Waits until every node reports digest {@code expected}; asks the nodes concurrently. */
  void awaitDigestOnEveryNode(String expected) {
    CliProcess.concurrently(ids().stream().map(id -> (java.util.concurrent.Callable<Void>) () -> {
      awaitDigest(id, expected, STARTUP);
      return null;
    }).toList());
  }

  /** Describes the processes and their output, for assertion messages. */
  String describe() {
    return processes.stream().map(BackgroundProcess::describe).collect(Collectors.joining("\n"));
  }

  /** Stops every process, all at once. */
  @Override
  public void close() {
    processes.parallelStream().forEach(BackgroundProcess::close);
  }
}
