package io.github.ratissnapshot.examples.bench;

import io.github.ratissnapshot.examples.cluster.ExampleCluster;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;

/** Every node of the benchmark's cluster in this JVM, sharing its heap and threads with the client. */
final class InProcessNodes implements BenchNodes {
  private final ExampleCluster cluster;
  private final Path root;

  private InProcessNodes(ExampleCluster cluster, Path root) {
    this.cluster = cluster;
    this.root = root;
  }

  /** Starts every node of {@code group} under {@code root} with {@code properties}. */
  static InProcessNodes start(RaftGroup group, Path root, Map<String, String> properties) throws IOException {
    return new InProcessNodes(ExampleCluster.start(group, root, BlobStateMachine::new,
        p -> properties.forEach(p::set)), root);
  }

  @Override
  public RaftGroup group() {
    return cluster.group();
  }

  @Override
  public RaftClient newClient() {
    return cluster.newClient();
  }

  @Override
  public Path storage(String id) {
    return root.resolve(id);
  }

  @Override
  public void startNew(RaftPeer peer) throws IOException {
    cluster.startNewNode(peer);
  }

  @Override
  public String describe() {
    return "in this process";
  }

  @Override
  public double cpuSecondsElsewhere() {
    return 0;
  }

  @Override
  public void checkRunning() {
    // a server in this JVM that fails is seen by the phase that waits for it
  }

  @Override
  public void close() throws IOException {
    cluster.close();
  }
}
