package io.github.ratissnapshot.examples.cluster;

import io.github.ratissnapshot.examples.Polling;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.statemachine.StateMachine;

/**
 * Several {@link ExampleNode}s of one group in this process, on loopback: {@code <dir>/<id>} for each.
 * For demos, the drill and benchmarks; a cluster of separate processes is started node by node with
 * {@code ratis-snapshot cluster node}. The caller closes it.
 */
public final class ExampleCluster implements AutoCloseable {
  private static final int LOW_PORT = 20_000;
  private static final int HIGH_PORT = 32_000;
  private static final AtomicInteger NEXT_PORT =
      new AtomicInteger(java.util.concurrent.ThreadLocalRandom.current().nextInt(HIGH_PORT - LOW_PORT));
  /** The group id the example cluster uses unless told otherwise. */
  public static final UUID DEFAULT_GROUP = UUID.fromString("3f1a6c52-7a0b-4d61-9b2e-5a4e0c7d8e91");

  private final RaftGroup group;
  private final Path dir;
  private final Supplier<StateMachine> stateMachine;
  private final Consumer<RaftProperties> tuning;
  private final Parameters parameters;
  private final Map<RaftPeerId, ExampleNode> nodes = new LinkedHashMap<>();
  private final List<RaftPeer> added = new ArrayList<>();

  private ExampleCluster(RaftGroup group, Path dir, Supplier<StateMachine> stateMachine,
      Consumer<RaftProperties> tuning, Parameters parameters) {
    this.group = group;
    this.dir = dir;
    this.stateMachine = stateMachine;
    this.tuning = tuning;
    this.parameters = parameters;
  }

  /**
   * Defines a group of {@code n} nodes {@code n1..nN} on loopback ports {@code basePort..basePort+n-1}
   * (or free ports when {@code basePort} is 0).
   */
  public static RaftGroup group(UUID groupId, int n, int basePort) throws IOException {
    List<RaftPeer> peers = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      int port = basePort == 0 ? freePort() : basePort + i - 1;
      peers.add(RaftPeer.newBuilder().setId("n" + i).setAddress("127.0.0.1:" + port).build());
    }
    return RaftGroup.valueOf(RaftGroupId.valueOf(groupId), peers);
  }

  /** Starts every node of {@code group} under {@code dir}, in plaintext. */
  public static ExampleCluster start(RaftGroup group, Path dir, Supplier<StateMachine> stateMachine,
      Consumer<RaftProperties> tuning) throws IOException {
    return start(group, dir, stateMachine, tuning, null);
  }

  /** Starts every node of {@code group} under {@code dir}, with RPC parameters such as mutual TLS (or null). */
  public static ExampleCluster start(RaftGroup group, Path dir, Supplier<StateMachine> stateMachine,
      Consumer<RaftProperties> tuning, Parameters parameters) throws IOException {
    ExampleCluster c = new ExampleCluster(group, dir, stateMachine, tuning, parameters);
    try {
      for (RaftPeer p : group.getPeers()) {
        c.startNode(p.getId());
      }
    } catch (IOException | RuntimeException e) {
      c.close();
      throw e;
    }
    return c;
  }

  /** Starts (or restarts) one node. */
  public ExampleNode startNode(RaftPeerId id) throws IOException {
    ExampleNode node = ExampleNode.start(id, group, dir.resolve(id.toString()), stateMachine, tuning, parameters);
    nodes.put(id, node);
    return node;
  }

  /**
   * Starts a node that is not a member yet, on fresh storage under this cluster's directory. It knows no
   * peers, so it holds no elections; it joins when a configuration change adds it (Ratis's way of growing a
   * group: the leader sends it the log, or its latest snapshot once the log is purged).
   *
   * @param peer the new node
   * @return the node
   * @throws IOException if it cannot start
   */
  public ExampleNode startNewNode(RaftPeer peer) throws IOException {
    ExampleNode node = ExampleNode.start(peer, RaftGroup.valueOf(group.getGroupId()),
        dir.resolve(peer.getId().toString()), stateMachine, tuning, parameters);
    nodes.put(peer.getId(), node);
    added.add(peer);
    return node;
  }

  /** Stops one node; its storage stays. */
  public void stopNode(RaftPeerId id) throws IOException {
    ExampleNode node = nodes.remove(id);
    if (node != null) {
      node.close();
    }
  }

  /** Returns the group. */
  public RaftGroup group() {
    return group;
  }

  /** Returns the peers as {@code id=address,...}, the form {@code --peers} takes. */
  public String peersArgument() {
    return group.getPeers().stream().map(p -> p.getId() + "=" + p.getAddress()).collect(Collectors.joining(","));
  }

  /** Returns a running node. */
  public ExampleNode node(RaftPeerId id) {
    return nodes.get(id);
  }

  /** Returns the ids of the running nodes. */
  public List<RaftPeerId> runningIds() {
    return new ArrayList<>(nodes.keySet());
  }

  /** Waits until a leader is ready, and returns its division. */
  public RaftServer.Division awaitLeader(Duration timeout) throws IOException, InterruptedException {
    return Polling.value(timeout, "a leader of group " + group.getGroupId(), () -> {
      for (ExampleNode n : nodes.values()) {
        try {
          RaftServer.Division d = n.division();
          if (d.getInfo().isLeader() && d.getInfo().isLeaderReady()) {
            return Optional.of(d);
          }
        } catch (IOException e) {
          // the node is starting
        }
      }
      return Optional.empty();
    });
  }

  /**
   * Returns a new client of the group (its peers and any started by {@link #startNewNode}), with the cluster's
   * RPC parameters; the caller closes it.
   */
  public RaftClient newClient() {
    List<RaftPeer> peers = new ArrayList<>(group.getPeers());
    peers.addAll(added);
    RaftClient.Builder b = RaftClient.newBuilder().setRaftGroup(RaftGroup.valueOf(group.getGroupId(), peers)).setProperties(new RaftProperties());
    if (parameters != null) {
      b.setParameters(parameters);
    }
    return b.build();
  }

  /** Stops every node. */
  @Override
  public void close() throws IOException {
    IOException first = null;
    for (ExampleNode n : nodes.values()) {
      try {
        n.close();
      } catch (IOException e) {
        first = first == null ? e : first;
      }
    }
    nodes.clear();
    if (first != null) {
      throw first;
    }
  }

  /**
   * Returns a port that is free now, below Linux's range of ephemeral ports (32768-60999). A port that a
   * socket bound to port 0 returns comes from that range, where the kernel may hand it to an outgoing
   * connection before the server binds it; Ratis then fails to start its gRPC server and exits the JVM
   * ("Address already in use"). Ports are taken in turn from a random start, so one JVM does not return the
   * same port twice in a row of 10,000.
   */
  public static int freePort() throws IOException {
    for (int attempt = 0; attempt < 1000; attempt++) {
      int port = LOW_PORT + Math.floorMod(NEXT_PORT.getAndIncrement(), HIGH_PORT - LOW_PORT);
      try (ServerSocket s = new ServerSocket(port)) {
        return s.getLocalPort();
      } catch (IOException taken) {
        // in use: the next one
      }
    }
    throw new IOException("no free port between " + LOW_PORT + " and " + HIGH_PORT + " in 1000 attempts");
  }
}
