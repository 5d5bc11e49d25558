package io.github.ratissnapshot.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.github.ratissnapshot.archive.ratis.client.GroupConnection;
import io.github.ratissnapshot.examples.bench.BlobStateMachine;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.function.BiFunction;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.protocol.GroupInfoReply;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;

/**
 * The example cluster running as real processes: either {@code ratis-snapshot cluster start} (every node in
 * one process) or one {@code ratis-snapshot cluster node} process per node, which can then be killed and
 * restarted one by one; plus the {@code kv} and {@code blob} commands to use it, each run as a process too,
 * and a Ratis client in this JVM for quick polls (who leads, what a node's blob state is).
 *
 * <p>The caller closes it; closing stops every process.
 */
final class ClusterProcess implements AutoCloseable {
  /** How long a cluster may take to print its "running" line, and nodes to agree on a state. */
  static final Duration STARTUP = Duration.ofSeconds(60);

  private static final Pattern RUNNING = Pattern.compile("\\brunning\\b");
  private static final String WHOLE_CLUSTER = "cluster";

  /**
   * How the processes are launched: JVM options (a heap limit), arguments after the standard ones
   * ({@code --state-machine blob}), and a wrapper around the whole command line, told the node id (or
   * {@code "cluster"}), such as a private mount.
   */
  record Launch(List<String> jvmOptions, List<String> args, BiFunction<String, List<String>, List<String>> wrapper) {
    /** The plain key-value cluster. */
    static final Launch DEFAULT = new Launch(List.of(), List.of(), (id, command) -> command);

    /** Returns this launch with the blob state machine. */
    Launch blob() {
      return new Launch(jvmOptions, concat(args, List.of("--state-machine", "blob")), wrapper);
    }

    /** Returns this launch with more arguments after the standard ones, such as {@code --tls-cert FILE}. */
    Launch with(String... more) {
      return new Launch(jvmOptions, concat(args, Arrays.asList(more)), wrapper);
    }

    /** Returns this launch with more JVM options. */
    Launch jvm(String... options) {
      return new Launch(concat(jvmOptions, Arrays.asList(options)), args, wrapper);
    }

    /** Returns this launch with every command wrapped. */
    Launch wrapped(BiFunction<String, List<String>, List<String>> w) {
      return new Launch(jvmOptions, args, w);
    }

    List<String> command(String id, String... standardArgs) {
      List<String> all = new ArrayList<>(Arrays.asList(standardArgs));
      all.addAll(args);
      return wrapper.apply(id, CliProcess.jarCommand(jvmOptions, all.toArray(String[]::new)));
    }

    private static List<String> concat(List<String> a, List<String> b) {
      return Stream.concat(a.stream(), b.stream()).toList();
    }
  }

  private final Map<String, BackgroundProcess> processes = new LinkedHashMap<>();
  private final Map<String, List<String>> nodeCommands = new LinkedHashMap<>();
  private final Map<String, Integer> starts = new LinkedHashMap<>();
  private final Map<String, String> peers;
  private final UUID group;
  private final Path logDir;
  private volatile List<String> clientOptions = List.of();
  private RaftClient probe;

  private ClusterProcess(Map<String, String> peers, UUID group, Path logDir) {
    this.peers = peers;
    this.group = group;
    this.logDir = logDir;
  }

  /** Starts a cluster of {@code nodes} nodes on free ports with a new group id, storing under {@code dir}. */
  static ClusterProcess start(Path dir, int nodes) {
    return start(dir, nodes, FreePorts.consecutive(nodes), UUID.randomUUID());
  }

  /** As {@link #start(Path, int)}, launched as {@code launch} says. */
  static ClusterProcess start(Path dir, int nodes, Launch launch) {
    return start(dir, nodes, FreePorts.consecutive(nodes), UUID.randomUUID(), launch);
  }

  /**
   * Runs {@code cluster start --nodes N --base-port B --dir DIR --group G} and waits for its "running" line;
   * its output goes to {@code DIR/logs}.
   */
  static ClusterProcess start(Path dir, int nodes, int basePort, UUID group) {
    return start(dir, nodes, basePort, group, Launch.DEFAULT);
  }

  /** As {@link #start(Path, int, int, UUID)}, launched as {@code launch} says. */
  static ClusterProcess start(Path dir, int nodes, int basePort, UUID group, Launch launch) {
    Map<String, String> peers = new LinkedHashMap<>();
    for (int i = 1; i <= nodes; i++) {
      peers.put("n" + i, "127.0.0.1:" + (basePort + i - 1));
    }
    ClusterProcess c = new ClusterProcess(peers, group, dir.resolve("logs"));
    try {
      BackgroundProcess p = BackgroundProcess.launchCommand("cluster-" + basePort, c.logDir,
          launch.command(WHOLE_CLUSTER, "cluster", "start", "--nodes", String.valueOf(nodes), "--base-port",
              String.valueOf(basePort), "--dir", dir.toString(), "--group", group.toString()));
      c.processes.put(WHOLE_CLUSTER, p);
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
    return startNodes(peers, group, storage, logDir, Launch.DEFAULT);
  }

  /** As {@link #startNodes(Map, UUID, Map, Path)}, each node launched as {@code launch} says. */
  static ClusterProcess startNodes(Map<String, String> peers, UUID group, Map<String, Path> storage, Path logDir,
      Launch launch) {
    ClusterProcess c = new ClusterProcess(new LinkedHashMap<>(peers), group, logDir);
    try {
      for (String id : peers.keySet()) {
        c.nodeCommands.put(id, launch.command(id, "cluster", "node", "--id", id, "--peers", c.peersArgument(),
            "--dir", storage.get(id).toString(), "--group", group.toString()));
        c.launchNode(id);
      }
      for (String id : peers.keySet()) {
        c.awaitRunning(id);
      }
      return c;
    } catch (RuntimeException | AssertionError e) {
      c.close();
      throw e;
    }
  }

  /** Kills node {@code id}'s process with SIGKILL (a crash: nothing is flushed, no hook runs). */
  void kill(String id) {
    node(id).kill();
  }

  /** Starts node {@code id} again on its storage, after {@link #kill} or a crash, and waits until it runs. */
  void restart(String id) {
    BackgroundProcess old = node(id);
    assertThat(old.isAlive()).as("node %s must be stopped before it is restarted", id).isFalse();
    launchNode(id);
    awaitRunning(id);
  }

  /** Returns what node {@code id}'s latest process has printed to standard output so far. */
  String stdoutOf(String id) {
    return node(id).stdout();
  }

  /** Returns whether node {@code id}'s process runs (for a cluster of node processes). */
  boolean isRunning(String id) {
    return node(id).isAlive();
  }

  private BackgroundProcess node(String id) {
    BackgroundProcess p = processes.get(id);
    if (p == null) {
      throw new IllegalArgumentException("node " + id + " has no process of its own (cluster start?)");
    }
    return p;
  }

  private void launchNode(String id) {
    int n = starts.merge(id, 1, Integer::sum);
    processes.put(id, BackgroundProcess.launchCommand("node-" + id + (n == 1 ? "" : "." + n), logDir,
        nodeCommands.get(id)));
  }

  private void awaitRunning(String id) {
    BackgroundProcess p = processes.get(id);
    assertThat(p.awaitLine(RUNNING, STARTUP)).as(p::describe).contains("group " + group);
  }

  /** Returns peers {@code n1..nN} on free loopback ports, n1 first: a new cluster of node processes. */
  static Map<String, String> freePeers(int nodes) {
    int[] ports = FreePorts.any(nodes);
    Map<String, String> peers = new LinkedHashMap<>();
    for (int i = 0; i < nodes; i++) {
      peers.put("n" + (i + 1), "127.0.0.1:" + ports[i]);
    }
    return peers;
  }

  /** Returns each peer's storage directory, {@code dir/<id>}, in the peers' order. */
  static Map<String, Path> storageUnder(Path dir, Map<String, String> peers) {
    Map<String, Path> storage = new LinkedHashMap<>();
    peers.keySet().forEach(id -> storage.put(id, dir.resolve(id)));
    return storage;
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

  /** Returns the arguments that name the group: {@code --peers ... --group ...}. */
  List<String> groupArguments() {
    return List.of("--peers", peersArgument(), "--group", group.toString());
  }

  /**
   * Sets options that every {@code kv} and {@code blob} command run by this object gets after the group
   * arguments, such as a trusted client's {@code --tls-cert F --tls-key F --tls-ca F} for a cluster on mutual
   * TLS. The probe of this JVM ({@link #leader}, {@link #queryFingerprint}) stays plaintext: it cannot reach
   * such a cluster.
   */
  void clientOptions(String... options) {
    clientOptions = List.of(options);
  }

  /** Runs {@code kv <args> --peers ... --group ...} and the {@link #clientOptions}. */
  CliProcess.Result kv(String... args) {
    return client("kv", args);
  }

  /** Runs {@code blob <args> --peers ... --group ...} and the {@link #clientOptions}. */
  CliProcess.Result blob(String... args) {
    return client("blob", args);
  }

  private CliProcess.Result client(String command, String... args) {
    List<String> all = new ArrayList<>();
    all.add(command);
    all.addAll(Arrays.asList(args));
    all.addAll(groupArguments());
    all.addAll(clientOptions);
    return CliProcess.run(all.toArray(String[]::new));
  }

  /** Runs a {@code kv} command that must succeed, and returns its standard output, stripped. */
  String kvOk(String... args) {
    return ok(kv(args));
  }

  /** Runs a {@code blob} command that must succeed, and returns its standard output, stripped. */
  String blobOk(String... args) {
    return ok(blob(args));
  }

  private String ok(CliProcess.Result r) {
    assertThat(r.exitCode()).as(() -> r.describe() + "\n" + describe()).isZero();
    return r.stdout().strip();
  }

  /**
   * Returns {@code kv digest} (the leader's state, linearizable) without the server that answered:
   * {@code "<n> keys, sha256 <hex>"}.
   */
  String digest() {
    return withoutServer(kvOk("digest"));
  }

  /** Drops the {@code " (server nX)"} that {@code kv digest} ends with, to compare states across servers. */
  static String withoutServer(String digestLine) {
    return digestLine.replaceFirst(" \\(server [^)]*\\)$", "");
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
      if (last.exitCode() == 0 && last.stdout().strip().equals(expected + " (server " + id + ")")) {
        return;
      }
      BackgroundProcess.sleep(300);
    } while (System.nanoTime() < deadline);
    fail("node %s did not reach digest '%s' within %s; last: %s%n%s", id, expected, timeout, last.describe(),
        describe());
  }

  /** Waits until every node reports digest {@code expected}; asks the nodes concurrently. */
  void awaitDigestOnEveryNode(String expected) {
    CliProcess.concurrently(ids().stream().map(id -> (Callable<Void>) () -> {
      awaitDigest(id, expected, STARTUP);
      return null;
    }).toList());
  }

  /** Returns {@code blob fingerprint --server id}, {@code "<size> <sha256>"}, run as a process; must succeed. */
  String fingerprintOf(String id) {
    return blobOk("fingerprint", "--server", id);
  }

  /**
   * Asks node {@code id} for its blob state's fingerprint from this JVM (a stale read served by that node,
   * whatever its role), or returns null if it does not answer within a few seconds.
   */
  String queryFingerprint(String id) {
    try {
      RaftClientReply r = probe().io().sendStaleRead(BlobStateMachine.fingerprint(), 0, RaftPeerId.valueOf(id));
      return r.isSuccess() ? r.getMessage().getContent().toStringUtf8() : null;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /**
   * Waits until every node's blob state is the same, polling from this JVM, and then confirms it with one
   * {@code blob fingerprint --server ID} process per node.
   *
   * @return the fingerprint every node holds
   */
  String awaitSameFingerprintOnEveryNode(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Map<String, String> last = new LinkedHashMap<>();
    while (true) {
      last.clear();
      for (String id : ids()) {
        last.put(id, queryFingerprint(id));
      }
      if (!last.containsValue(null) && last.values().stream().distinct().count() == 1) {
        break;
      }
      if (System.nanoTime() > deadline) {
        fail("the nodes did not converge on one state within %s; last: %s%n%s", timeout, last, describe());
      }
      BackgroundProcess.sleep(200);
    }
    String agreed = last.values().iterator().next();
    List<String> confirmed = CliProcess.concurrently(ids().stream()
        .map(id -> (Callable<String>) () -> fingerprintOf(id)).toList());
    assertThat(confirmed).as("blob fingerprint --server nX on every node").containsOnly(agreed);
    return agreed;
  }

  /**
   * Returns the id of the node that leads the group now, asking each node from this JVM; waits until a
   * majority of the nodes name the same leader (a node that reports itself leader counts for itself).
   */
  String leader(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    RaftGroupId groupId = RaftGroupId.valueOf(group);
    Map<String, String> views = new LinkedHashMap<>();
    while (true) {
      views.clear();
      for (String id : ids()) {
        try {
          GroupInfoReply info = probe().getGroupManagementApi(RaftPeerId.valueOf(id)).info(groupId);
          RoleInfoProto role = info.getRoleInfoProto();
          if (role.getRole() == RaftPeerRole.LEADER) {
            views.put(id, id);
          } else if (role.hasFollowerInfo() && role.getFollowerInfo().hasLeaderInfo()) {
            views.put(id, role.getFollowerInfo().getLeaderInfo().getId().getId().toStringUtf8());
          }
        } catch (IOException | RuntimeException e) {
          // down or starting: ask again
        }
      }
      for (String candidate : views.values()) {
        long votes = views.values().stream().filter(candidate::equals).count();
        if (views.get(candidate) != null && candidate.equals(views.get(candidate)) && votes > ids().size() / 2) {
          return candidate;
        }
      }
      if (System.nanoTime() > deadline) {
        fail("no leader named by a majority within %s; views %s%n%s", timeout, views, describe());
      }
      BackgroundProcess.sleep(100);
    }
  }

  /** Returns this JVM's client of the group (one try per request, 5 s each), created on first use. */
  private synchronized RaftClient probe() {
    if (probe == null) {
      List<RaftPeer> raftPeers = peers.entrySet().stream()
          .map(e -> RaftPeer.newBuilder().setId(e.getKey()).setAddress(e.getValue()).build()).toList();
      probe = GroupConnection.newBuilder()
          .group(RaftGroup.valueOf(RaftGroupId.valueOf(group), raftPeers))
          .build()
          .newClient(Duration.ofSeconds(5), 1);
    }
    return probe;
  }

  /** Describes the processes and their output, for assertion messages. */
  String describe() {
    return processes.values().stream().map(BackgroundProcess::describe).collect(Collectors.joining("\n"));
  }

  /** Stops every process, all at once, and this JVM's client. */
  @Override
  public void close() {
    processes.values().parallelStream().forEach(BackgroundProcess::close);
    synchronized (this) {
      if (probe != null) {
        try {
          probe.close();
        } catch (IOException | RuntimeException ignored) {
          // the servers are gone anyway
        }
        probe = null;
      }
    }
  }
}
