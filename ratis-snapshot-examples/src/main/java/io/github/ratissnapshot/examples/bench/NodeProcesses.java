package io.github.ratissnapshot.examples.bench;

import io.github.ratissnapshot.examples.Main;
import io.github.ratissnapshot.examples.Polling;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;

/**
 * Each node of the benchmark's cluster in a JVM of its own ({@code ratis-snapshot cluster node}, the example
 * cluster's multi-process form), started with this JVM's {@code java} and class path, so that the servers'
 * costs and the client's do not mix in one heap. Every node appends its output (Ratis's log at INFO) to one
 * file, given at start. Closing stops each with SIGTERM, then SIGKILL after 30 seconds; a JVM that exits
 * first takes them down too.
 */
final class NodeProcesses implements BenchNodes {
  private final RaftGroup group;
  private final Path root;
  private final String heap;
  private final Map<String, String> properties;
  private final Path log;
  private final Map<String, Process> processes = new LinkedHashMap<>();
  private final List<RaftPeer> added = new ArrayList<>();
  private final Thread reaper = new Thread(this::kill, "bench-node-reaper");

  private NodeProcesses(RaftGroup group, Path root, String heap, Map<String, String> properties, Path log) {
    this.group = group;
    this.root = root;
    this.heap = heap;
    this.properties = properties;
    this.log = log;
  }

  /**
   * Starts every node of {@code group}, each in its own process.
   *
   * @param group the group
   * @param root node {@code nX} stores in {@code root/nX}
   * @param heap each node's {@code -Xmx} value, such as {@code 256m}
   * @param properties Ratis server properties every node gets
   * @param log the file every node appends its output to
   * @return the running nodes; the caller closes them
   * @throws IOException if a process cannot be started
   */
  static NodeProcesses start(RaftGroup group, Path root, String heap, Map<String, String> properties, Path log)
      throws IOException {
    NodeProcesses n = new NodeProcesses(group, root, heap, properties, log);
    Runtime.getRuntime().addShutdownHook(n.reaper);
    try {
      for (RaftPeer p : group.getPeers()) {
        n.launch(p, false);
      }
    } catch (IOException | RuntimeException e) {
      n.close();
      throw e;
    }
    return n;
  }

  private void launch(RaftPeer peer, boolean join) throws IOException {
    String id = peer.getId().toString();
    List<RaftPeer> peers = new ArrayList<>(group.getPeers());
    if (join) {
      peers.add(peer);
    }
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx" + heap, "-Dorg.slf4j.simpleLogger.defaultLogLevel=info", "-Dorg.slf4j.simpleLogger.showDateTime=true",
        "-cp", System.getProperty("java.class.path"), Main.class.getName(),
        "cluster", "node", "--id", id, "--dir", storage(id).toString(), "--state-machine", "blob",
        "--group", group.getGroupId().getUuid().toString(),
        "--peers", peers.stream().map(p -> p.getId() + "=" + p.getAddress()).collect(Collectors.joining(","))));
    properties.forEach((k, v) -> cmd.addAll(List.of("--ratis-property", k + "=" + v)));
    if (join) {
      cmd.add("--join");
    }
    Files.createDirectories(root);
    processes.put(id, new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start());
  }

  @Override
  public RaftGroup group() {
    return group;
  }

  @Override
  public RaftClient newClient() {
    List<RaftPeer> peers = new ArrayList<>(group.getPeers());
    peers.addAll(added);
    return RaftClient.newBuilder().setRaftGroup(RaftGroup.valueOf(group.getGroupId(), peers))
        .setProperties(new RaftProperties()).build();
  }

  @Override
  public Path storage(String id) {
    return root.resolve(id);
  }

  @Override
  public void startNew(RaftPeer peer) throws IOException {
    launch(peer, true);
    added.add(peer);
    awaitListening(peer);
  }

  /**
   * Waits until a new node accepts connections. A configuration change must not come sooner: Ratis 3.3.0's
   * leader, failing to reach a server it stages, restarts its appender and can then commit the configuration
   * with the server still empty and never send it anything (seen here with a node that took 1.8 s to listen).
   */
  private void awaitListening(RaftPeer peer) throws IOException {
    String address = peer.getAddress();
    int colon = address.lastIndexOf(':');
    InetSocketAddress at = new InetSocketAddress(address.substring(0, colon),
        Integer.parseInt(address.substring(colon + 1)));
    IOException[] exited = new IOException[1];
    try {
      Polling.until(Duration.ofSeconds(60), "node " + peer.getId() + " to listen at " + address + " (its output: "
          + log + ")", () -> {
            try {
              checkRunning();
            } catch (IOException e) {
              exited[0] = e;
              return true;
            }
            return accepts(at);
          });
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while waiting for node " + peer.getId(), e);
    }
    if (exited[0] != null) {
      throw exited[0];
    }
  }

  private static boolean accepts(InetSocketAddress at) {
    try (Socket s = new Socket()) {
      s.connect(at, 1000);
      return true;
    } catch (IOException notYet) {
      return false;
    }
  }

  @Override
  public String describe() {
    return "as " + group.getPeers().size() + " processes at -Xmx" + heap;
  }

  @Override
  public double cpuSecondsElsewhere() {
    double total = 0;
    for (Process p : processes.values()) {
      total += p.info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(0.0);
    }
    return total;
  }

  @Override
  public void checkRunning() throws IOException {
    for (Map.Entry<String, Process> e : processes.entrySet()) {
      if (!e.getValue().isAlive()) {
        throw new IOException("node " + e.getKey() + " exited with " + e.getValue().exitValue() + " (its output: "
            + log + ")");
      }
    }
  }

  @Override
  public void close() throws IOException {
    for (Process p : processes.values()) {
      p.destroy();
    }
    try {
      for (Process p : processes.values()) {
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
          p.destroyForcibly().waitFor();
        }
      }
    } catch (InterruptedException e) {
      kill();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while stopping the nodes", e);
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(reaper);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running or about to
      }
    }
  }

  private void kill() {
    processes.values().forEach(Process::destroyForcibly);
  }
}
