package io.github.ratissnapshot.archive.ratis;

import io.github.ratissnapshot.archive.ratis.client.GroupConnection;
import java.io.File;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachine;
import org.apache.ratis.util.ExitUtils;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

/**
 * Real Ratis servers over gRPC on loopback, each with its own storage directory under a root, for the
 * integration tests: start, kill, restart (RECOVER), wipe, and clients.
 */
final class LoopbackCluster implements AutoCloseable {
  private static final int LOW_PORT = 20_000;
  private static final int HIGH_PORT = 32_000;
  private static final AtomicInteger NEXT_PORT =
      new AtomicInteger(java.util.concurrent.ThreadLocalRandom.current().nextInt(HIGH_PORT - LOW_PORT));

  static {
    // A server that cannot start (a port taken after all) fails its test with an ExitException instead of
    // Ratis exiting the test JVM, which ends every test after it.
    ExitUtils.disableSystemExit();
  }

  private final Path root;
  private final RaftGroup group;
  private final Supplier<StateMachine> stateMachines;
  private final Consumer<RaftProperties> tuning;
  private final Map<RaftPeerId, RaftServer> servers = new LinkedHashMap<>();
  private Parameters parameters;

  private LoopbackCluster(Path root, RaftGroup group, Supplier<StateMachine> stateMachines,
      Consumer<RaftProperties> tuning) {
    this.root = root;
    this.group = group;
    this.stateMachines = stateMachines;
    this.tuning = tuning;
  }

  /** Defines (does not start) a group of {@code voters} voters and {@code listeners} listeners. */
  static LoopbackCluster define(Path root, int voters, int listeners, Supplier<StateMachine> stateMachines,
      Consumer<RaftProperties> tuning) throws IOException {
    List<RaftPeer> peers = new ArrayList<>();
    for (int i = 1; i <= voters + listeners; i++) {
      peers.add(RaftPeer.newBuilder().setId("n" + i).setAddress("127.0.0.1:" + freePort())
          .setStartupRole(i > voters ? RaftPeerRole.LISTENER : RaftPeerRole.FOLLOWER).build());
    }
    return new LoopbackCluster(root, RaftGroup.valueOf(RaftGroupId.valueOf(UUID.randomUUID()), peers),
        stateMachines, tuning);
  }

  /** Defines a group with the given group id and peers (for seeded clusters). */
  static LoopbackCluster define(Path root, RaftGroup group, Supplier<StateMachine> stateMachines,
      Consumer<RaftProperties> tuning) {
    return new LoopbackCluster(root, group, stateMachines, tuning);
  }

  /** The properties the test clusters use: small log segments and an eager purge, so snapshots matter. */
  static void smallLogs(RaftProperties p) {
    RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf("1MB"));
    RaftServerConfigKeys.Log.setPurgeGap(p, 1);
    RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
    RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, false);
    RaftServerConfigKeys.Rpc.setTimeoutMin(p, TimeDuration.valueOf(300, TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.Rpc.setTimeoutMax(p, TimeDuration.valueOf(600, TimeUnit.MILLISECONDS));
  }

  RaftGroup group() {
    return group;
  }

  /** Sets RPC parameters (such as mutual TLS) for the servers and this cluster's clients. */
  LoopbackCluster parameters(Parameters p) {
    this.parameters = p;
    return this;
  }

  List<RaftPeer> peers() {
    return new ArrayList<>(group.getPeers());
  }

  Path storageDir(RaftPeerId id) {
    return root.resolve(id.toString());
  }

  /** Starts every peer, formatting fresh storage. */
  LoopbackCluster start() throws IOException {
    for (RaftPeer p : group.getPeers()) {
      start(p.getId(), RaftStorage.StartupOption.FORMAT);
    }
    return this;
  }

  /** Starts every peer on existing (seeded) storage. */
  LoopbackCluster startRecovering() throws IOException {
    for (RaftPeer p : group.getPeers()) {
      start(p.getId(), RaftStorage.StartupOption.RECOVER);
    }
    return this;
  }

  /** Starts one peer. */
  RaftServer start(RaftPeerId id, RaftStorage.StartupOption option) throws IOException {
    RaftPeer peer = group.getPeer(id);
    return start(peer, group, option);
  }

  /**
   * Starts a server that is not in the group yet, on fresh storage, knowing the group as its peers plus
   * itself; it joins when a configuration change adds it (Ratis's way of growing a group).
   *
   * @return the new peer, with a free loopback port
   */
  RaftPeer startNewPeer(String id, RaftPeerRole role) throws IOException {
    RaftPeer peer = RaftPeer.newBuilder().setId(id).setAddress("127.0.0.1:" + freePort()).setStartupRole(role)
        .build();
    List<RaftPeer> all = new ArrayList<>(group.getPeers());
    all.add(peer);
    start(peer, RaftGroup.valueOf(group.getGroupId(), all), RaftStorage.StartupOption.FORMAT);
    return peer;
  }

  private RaftServer start(RaftPeer peer, RaftGroup knownGroup, RaftStorage.StartupOption option)
      throws IOException {
    RaftPeerId id = peer.getId();
    RaftProperties p = new RaftProperties();
    RaftServerConfigKeys.setStorageDir(p, List.of(storageDir(id).toFile()));
    GrpcConfigKeys.Server.setPort(p, Integer.parseInt(peer.getAddress().substring(peer.getAddress().lastIndexOf(':') + 1)));
    tuning.accept(p);
    RaftServer.Builder builder = RaftServer.newBuilder().setServerId(id).setGroup(knownGroup).setProperties(p)
        .setStateMachine(stateMachines.get()).setOption(option);
    if (parameters != null) {
      builder.setParameters(parameters);
    }
    RaftServer server = builder.build();
    server.start();
    servers.put(id, server);
    return server;
  }

  /** Stops a peer as a crash would look to the others (its storage stays). */
  void kill(RaftPeerId id) throws IOException {
    RaftServer s = servers.remove(id);
    if (s != null) {
      s.close();
    }
  }

  /** Restarts a killed peer on its storage. */
  RaftServer restart(RaftPeerId id) throws IOException {
    kill(id);
    return start(id, RaftStorage.StartupOption.RECOVER);
  }

  /** Deletes a (killed) peer's storage. */
  void wipe(RaftPeerId id) throws IOException {
    deleteTree(storageDir(id));
  }

  boolean isRunning(RaftPeerId id) {
    return servers.containsKey(id);
  }

  RaftServer.Division division(RaftPeerId id) throws IOException {
    return servers.get(id).getDivision(group.getGroupId());
  }

  @SuppressWarnings("unchecked")
  <T extends StateMachine> T stateMachine(RaftPeerId id) throws IOException {
    return (T) division(id).getStateMachine();
  }

  List<RaftPeerId> runningIds() {
    return new ArrayList<>(servers.keySet());
  }

  /** Returns the id of the server that leads and is ready now, or null. */
  RaftPeerId leaderId() {
    for (RaftServer s : servers.values()) {
      try {
        RaftServer.Division d = s.getDivision(group.getGroupId());
        if (d.getInfo().isLeader() && d.getInfo().isLeaderReady()) {
          return s.getId();
        }
      } catch (IOException e) {
        // not ready yet
      }
    }
    return null;
  }

  /** Waits for a leader and returns its division. */
  RaftServer.Division leader() throws InterruptedException {
    RaftServer.Division[] found = new RaftServer.Division[1];
    Eventually.until(Duration.ofSeconds(30), "a leader", () -> {
      RaftPeerId id = leaderId();
      if (id != null) {
        try {
          found[0] = servers.get(id).getDivision(group.getGroupId());
        } catch (IOException e) {
          return false;
        }
      }
      return found[0] != null;
    });
    return found[0];
  }

  /** A client with Ratis's default retries. */
  RaftClient client() {
    RaftClient.Builder b = RaftClient.newBuilder().setRaftGroup(group).setProperties(new RaftProperties());
    if (parameters != null) {
      b.setParameters(parameters);
    }
    return b.build();
  }

  /** How this library's clients reach the group. */
  GroupConnection connection() {
    return GroupConnection.newBuilder().group(group).parameters(parameters).requestTimeout(Duration.ofSeconds(30))
        .retries(40, Duration.ofMillis(250)).build();
  }

  @Override
  public void close() throws IOException {
    // All at once: a voter takes about a second to close, so one after another dominates a short test.
    Map<RaftServer, IOException> failures = new ConcurrentHashMap<>();
    List<Thread> closing = new ArrayList<>();
    for (RaftServer s : servers.values()) {
      Thread t = new Thread(() -> {
        try {
          s.close();
        } catch (IOException e) {
          failures.put(s, e);
        }
      }, "close-" + s.getId());
      t.start();
      closing.add(t);
    }
    for (Thread t : closing) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while closing the cluster");
      }
    }
    servers.clear();
    if (!failures.isEmpty()) {
      throw failures.values().iterator().next();
    }
  }

  /**
   * Returns a port that is free now, below Linux's range of ephemeral ports (32768-60999). A port that a
   * socket bound to port 0 returns comes from that range, where the kernel may hand it to an outgoing
   * connection before the server binds it; Ratis then fails to start its gRPC server and exits the JVM
   * ("Address already in use"). Ports are taken in turn from a random start, so one JVM does not return the
   * same port twice in a row of 10,000.
   */
  static int freePort() throws IOException {
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

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    }
  }

  @SuppressWarnings("unused")
  private static File file(Path p) {
    return p.toFile();
  }
}
