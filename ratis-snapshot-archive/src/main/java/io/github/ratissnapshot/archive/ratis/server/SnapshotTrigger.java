package io.github.ratissnapshot.archive.ratis.server;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.SnapshotManagementRequest;
import org.apache.ratis.rpc.CallId;
import org.apache.ratis.server.RaftServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks Ratis for a native snapshot from a thread of its own, once the batch being applied is done: after a
 * {@code COMMIT}, so that the restore's chunks can leave the log. The request goes through the server's
 * own admin interface, so no RPC deadline applies.
 */
final class SnapshotTrigger implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotTrigger.class);
  private static final long TIMEOUT_MS = Duration.ofHours(1).toMillis();

  private final RaftServer server;
  private final RaftGroupId groupId;
  private final ExecutorService background = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "archive-snapshot-trigger");
    t.setDaemon(true);
    return t;
  });

  SnapshotTrigger(RaftServer server, RaftGroupId groupId) {
    this.server = server;
    this.groupId = groupId;
  }

  /** Requests a snapshot; failures are logged, and the next snapshot takes the chunks out of the log. */
  void requestSnapshot() {
    background.execute(() -> {
      SnapshotManagementRequest req = SnapshotManagementRequest.newCreate(ClientId.randomId(), server.getId(),
          groupId, CallId.getAndIncrement(), TIMEOUT_MS, 1);
      server.snapshotManagementAsync(req).whenComplete((reply, e) -> {
        if (e != null || reply == null || !reply.isSuccess()) {
          LOG.warn("{}: snapshot after restore failed: {}", server.getId(), e != null ? e : reply);
        }
      });
    });
  }

  @Override
  public void close() {
    background.shutdownNow();
  }
}
