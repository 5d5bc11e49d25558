package io.github.ratissnapshot.examples.cluster;

import io.github.ratissnapshot.archive.ratis.ArchiveServerProperties;
import io.github.ratissnapshot.archive.ratis.TornLogTail;
import io.github.ratissnapshot.examples.kv.KvStateMachine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachine;
import org.apache.ratis.util.SizeInBytes;

/**
 * One server of the example cluster: a Ratis server over gRPC on its peer address, storing under
 * {@code <dir>}, running a state machine (by default {@link KvStateMachine}). A node whose group directory
 * already exists starts with RECOVER (after a restart, or on seeded storage); otherwise it formats.
 *
 * <p>The caller closes it.
 */
public final class ExampleNode implements AutoCloseable {
  private final RaftServer server;
  private final RaftGroup group;

  private ExampleNode(RaftServer server, RaftGroup group) {
    this.server = server;
    this.group = group;
  }

  /**
   * Starts a node.
   *
   * @param id the node's id in {@code group}
   * @param group the group and its peers
   * @param dir the node's storage root
   * @param stateMachine makes the node's state machine
   * @param tuning extra server properties (may be a no-op)
   * @param parameters RPC parameters such as TLS, or null
   * @return the running node
   * @throws IOException if the server cannot start (port in use, storage locked)
   */
  public static ExampleNode start(RaftPeerId id, RaftGroup group, Path dir, Supplier<StateMachine> stateMachine,
      Consumer<RaftProperties> tuning, Parameters parameters) throws IOException {
    RaftPeer peer = group.getPeer(id);
    if (peer == null) {
      throw new IllegalArgumentException("node " + id + " is not a peer of " + group);
    }
    return start(peer, group, dir, stateMachine, tuning, parameters);
  }

  /**
   * Starts a node as {@code peer} (its id and port) in {@code group}, which need not name it: a node started
   * with a group that does not contain it waits in Ratis's initializing state, without elections, until a
   * configuration change that adds it reaches it.
   */
  static ExampleNode start(RaftPeer peer, RaftGroup group, Path dir, Supplier<StateMachine> stateMachine,
      Consumer<RaftProperties> tuning, Parameters parameters) throws IOException {
    RaftPeerId id = peer.getId();
    Files.createDirectories(dir);
    RaftProperties p = new RaftProperties();
    RaftServerConfigKeys.setStorageDir(p, List.of(dir.toFile()));
    GrpcConfigKeys.Server.setPort(p, port(peer.getAddress()));
    RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
    RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, 100_000);
    RaftServerConfigKeys.Snapshot.setRetentionFileNum(p, 2);
    ArchiveServerProperties.boundLogMemory(p, SizeInBytes.valueOf("32MB"));
    tuning.accept(p);
    boolean existing = Files.isDirectory(dir.resolve(group.getGroupId().getUuid().toString()));
    if (existing) {
      // A kill while the log was appended can leave a torn last entry, which Ratis refuses to start with.
      for (TornLogTail.Repair r : TornLogTail.repair(dir)) {
        System.out.println("Node " + id + ": " + r);
      }
    }
    RaftServer.Builder b = RaftServer.newBuilder().setServerId(id).setGroup(group).setProperties(p)
        .setStateMachine(stateMachine.get())
        .setOption(existing ? RaftStorage.StartupOption.RECOVER : RaftStorage.StartupOption.FORMAT);
    if (parameters != null) {
      b.setParameters(parameters);
    }
    RaftServer server = b.build();
    try {
      server.start();
    } catch (IOException | RuntimeException e) {
      try {
        server.close();
      } catch (IOException | RuntimeException closing) {
        e.addSuppressed(closing);
      }
      throw new IOException("node " + id + " did not start: " + causeChain(e), e);
    }
    return new ExampleNode(server, group);
  }

  /**
   * Returns the messages of a failure and of its causes, outermost first, each once: Ratis says where it
   * failed ("Failed to initRaftLog.") and only its causes say what (the segment file and what is wrong in it).
   */
  static String causeChain(Throwable e) {
    StringBuilder sb = new StringBuilder();
    int depth = 0;
    for (Throwable t = e; t != null && depth < 8; t = t.getCause() == t ? null : t.getCause(), depth++) {
      String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage().strip();
      if (t.getCause() != null && m.equals(t.getCause().toString())) {
        continue; // a wrapper whose message is its cause's class and message: the cause says it
      }
      if (sb.indexOf(m) < 0) {
        sb.append(sb.length() == 0 ? "" : ": ").append(m);
      }
    }
    return sb.toString();
  }

  /** Starts a key-value node with the default settings and the given RPC parameters (or null). */
  public static ExampleNode startKv(RaftPeerId id, RaftGroup group, Path dir, Parameters parameters)
      throws IOException {
    return start(id, group, dir, KvStateMachine::new, p -> { }, parameters);
  }

  /** Returns the server. */
  public RaftServer server() {
    return server;
  }

  /** Returns this node's division of the group. */
  public RaftServer.Division division() throws IOException {
    return server.getDivision(group.getGroupId());
  }

  /** Returns the port of a {@code host:port} address. */
  static int port(String address) {
    return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
  }

  /** Stops the server. */
  @Override
  public void close() throws IOException {
    server.close();
  }
}
