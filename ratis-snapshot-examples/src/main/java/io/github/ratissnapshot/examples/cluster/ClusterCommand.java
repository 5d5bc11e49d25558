package io.github.ratissnapshot.examples.cluster;

import io.github.ratissnapshot.archive.cli.PeerList;
import io.github.ratissnapshot.archive.cli.TlsOptions;
import io.github.ratissnapshot.archive.ratis.RatisVersion;
import io.github.ratissnapshot.examples.bench.BlobStateMachine;
import io.github.ratissnapshot.examples.kv.KvStateMachine;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.statemachine.StateMachine;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ratis-snapshot cluster}: runs the example key-value cluster. */
@Command(name = "cluster", mixinStandardHelpOptions = true,
    description = "Run the example replicated key-value store over gRPC on loopback.",
    subcommands = {ClusterCommand.Start.class, ClusterCommand.Node.class})
public final class ClusterCommand {
  /** {@code cluster start}: every node in this process. */
  @Command(name = "start", mixinStandardHelpOptions = true,
      description = "Start every node of a cluster in this process; stop with Ctrl-C. A node whose storage "
          + "exists recovers it (a restart, or storage prepared by seed).")
  static final class Start implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--nodes", defaultValue = "3", description = "Number of nodes (default: ${DEFAULT-VALUE}).")
    int nodes;

    @Option(names = "--base-port", defaultValue = "9001",
        description = "Port of n1; n2 takes the next one, and so on (default: ${DEFAULT-VALUE}).")
    int basePort;

    @Option(names = "--dir", required = true, description = "Storage root; node nX stores in DIR/nX.")
    Path dir;

    @Mixin
    NodeOptions node = new NodeOptions();

    @Override
    public Integer call() throws Exception {
      if (nodes < 1 || basePort < 1 || basePort + nodes - 1 > 65535) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--nodes and --base-port must give ports 1-65535");
      }
      RaftGroup g = ExampleCluster.group(node.groupId(), nodes, basePort);
      ExampleCluster c = ExampleCluster.start(g, dir, node.stateMachine.factory(), p -> { }, node.tls.parameters());
      PrintWriter out = spec.commandLine().getOut();
      String size = nodes + (nodes == 1 ? " node" : " nodes");
      out.printf("Cluster of %s running, group %s (Ratis %s)%n--peers %s%n", size, g.getGroupId().getUuid(),
          RatisVersion.running(), c.peersArgument());
      out.flush();
      runUntilStopped(c, "the cluster (" + size + ")", out);
      return 0;
    }
  }

  /** {@code cluster node}: one node of a multi-process cluster. */
  @Command(name = "node", mixinStandardHelpOptions = true,
      description = "Run one node of a cluster in this process; stop with Ctrl-C or a signal.")
  static final class Node implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--id", required = true, description = "This node's id.")
    String id;

    @Option(names = "--peers", required = true, paramLabel = "ID=HOST:PORT[,...]",
        converter = PeerList.class, description = "Every node of the group.")
    List<RaftPeer> peers;

    @Option(names = "--dir", required = true, description = "This node's storage root.")
    Path dir;

    @Option(names = "--join", description = "Start outside the group and wait, without elections, for a "
        + "configuration change that adds this node (Ratis's way to grow a group); --peers still gives its address.")
    boolean join;

    @Option(names = "--ratis-property", paramLabel = "KEY=VALUE", description = "A Ratis server property, set "
        + "after the example's own (repeatable), e.g. raft.server.log.purge.gap=1.")
    Map<String, String> ratisProperties = new LinkedHashMap<>();

    @Mixin
    NodeOptions node = new NodeOptions();

    @Override
    public Integer call() throws Exception {
      RaftGroup g = RaftGroup.valueOf(RaftGroupId.valueOf(node.groupId()), peers);
      RaftPeer self = g.getPeer(RaftPeerId.valueOf(id));
      if (self == null) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--id " + id + " is not one of --peers");
      }
      Consumer<RaftProperties> tuning = p -> ratisProperties.forEach(p::set);
      ExampleNode server = join
          ? ExampleNode.start(self, RaftGroup.valueOf(g.getGroupId()), dir, node.stateMachine.factory(), tuning,
              node.tls.parameters())
          : ExampleNode.start(self.getId(), g, dir, node.stateMachine.factory(), tuning, node.tls.parameters());
      PrintWriter out = spec.commandLine().getOut();
      out.printf("Node %s of group %s %s at %s (Ratis %s)%n", id, g.getGroupId().getUuid(),
          join ? "waiting to be added" : "running", self.getAddress(), RatisVersion.running());
      out.flush();
      runUntilStopped(server, "node " + id, out);
      return 0;
    }
  }

  /** What every node of a cluster is started with: group, state machine and transport security. */
  static final class NodeOptions {
    @Option(names = "--group", paramLabel = "UUID", description = "Group id (default: the example's).")
    UUID group;

    @Option(names = "--state-machine", defaultValue = "kv", paramLabel = "kv|blob",
        description = "kv: the key-value store (default); blob: a state of any size kept on disk, driven by "
            + "'ratis-snapshot blob'.")
    StateMachineKind stateMachine;

    @Mixin
    TlsOptions tls = new TlsOptions();

    UUID groupId() {
      return group == null ? ExampleCluster.DEFAULT_GROUP : group;
    }
  }

  /** The state machines the example cluster can run. */
  enum StateMachineKind {
    kv, blob;

    Supplier<StateMachine> factory() {
      return this == kv ? KvStateMachine::new
          : BlobStateMachine::new;
    }
  }

  /**
   * Blocks until the JVM is asked to stop (Ctrl-C, SIGTERM), and stops {@code servers} on the way out, saying
   * on {@code out} that it is stopping {@code what} and when it has (stopping takes seconds).
   */
  static void runUntilStopped(AutoCloseable servers, String what, PrintWriter out) throws InterruptedException {
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      long start = System.nanoTime();
      out.println("Stopping " + what + "...");
      out.flush();
      try {
        servers.close();
        out.printf("Stopped %s in %.1f s%n", what, (System.nanoTime() - start) / 1e9);
        out.flush();
      } catch (Exception e) {
        System.err.println("ratis-snapshot cluster: failed to stop cleanly: " + e);
      } finally {
        stopped.countDown();
      }
    }, "cluster-stop"));
    stopped.await();
  }
}
