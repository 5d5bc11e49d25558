package io.github.ratissnapshot.examples.bench;

import java.io.IOException;
import java.nio.file.Path;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;

/**
 * The cluster a benchmark runs against: its nodes in this JVM ({@link InProcessNodes}) or each in a process
 * of its own ({@link NodeProcesses}), so that the figures can be taken both ways. Closing stops every node.
 */
interface BenchNodes extends AutoCloseable {
  /** Returns the group and its original peers. */
  RaftGroup group();

  /** Returns a new client of the group and of every node added since; the caller closes it. */
  RaftClient newClient();

  /** Returns the storage root of a node ({@code <root>/<group uuid>/current} holds its log). */
  Path storage(String id);

  /** Starts a node that is not in the group yet; a configuration change adds it. */
  void startNew(RaftPeer peer) throws IOException;

  /** Says how the nodes run, for the report's header. */
  String describe();

  /** Returns the CPU seconds the nodes have used outside this JVM (0 when they run in it). */
  double cpuSecondsElsewhere();

  /**
   * Fails if a node has stopped by itself, naming where its output went.
   *
   * @throws IOException if a node's process has exited
   */
  void checkRunning() throws IOException;

  @Override
  void close() throws IOException;
}
