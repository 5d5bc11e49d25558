package io.github.ratissnapshot.archive.ratis;

import io.github.ratissnapshot.archive.format.ArchiveWriter;
import io.github.ratissnapshot.archive.format.Snapshot;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.SnapshotManagementRequest;
import org.apache.ratis.rpc.CallId;
import org.apache.ratis.server.RaftServer;

/**
 * Archives of a running group taken in the process that runs one of its servers: Consul's
 * {@code snapshot.New}. The snapshot is requested through the server's own admin interface, so no RPC
 * deadline cuts a large one short.
 */
public final class LocalSnapshots {
  private LocalSnapshots() {}

  /**
   * Takes a fresh native snapshot on {@code division} (covering everything it has applied) and writes an
   * archive of it to a temporary file.
   *
   * @param division a division whose state machine is an {@link ArchiveSupport.Holder}
   * @param tempDir where the archive's temporary file goes
   * @param writer the archive writer
   * @param timeout how long the snapshot may take
   * @return the archive; the caller must close it, which deletes the file
   * @throws IllegalArgumentException if the state machine has no archive support
   * @throws IOException if the snapshot fails or times out, or writing fails; no file is left behind
   */
  public static Snapshot take(RaftServer.Division division, Path tempDir, ArchiveWriter writer, Duration timeout)
      throws IOException {
    ArchiveSupport support = supportOf(division);
    RaftServer server = division.getRaftServer();
    SnapshotManagementRequest request = SnapshotManagementRequest.newCreate(ClientId.randomId(),
        server.getId(), division.getMemberId().getGroupId(), CallId.getAndIncrement(), timeout.toMillis(), 1);
    RaftClientReply reply = server.snapshotManagement(request);
    if (!reply.isSuccess()) {
      throw new IOException("failed to take a snapshot on " + division.getMemberId() + ": "
          + reply.getException(), reply.getException());
    }
    if (reply.getLogIndex() < 0) {
      String why = support.snapshotFailure();
      throw new IOException("failed to take a snapshot on " + division.getMemberId() + ": "
          + (why == null ? "no snapshot taken" : why));
    }
    try (PinnedSnapshot pinned = support.pinLatest(); InputStream state = pinned.openStream()) {
      if (pinned.index() < reply.getLogIndex()) {
        throw new IOException("failed to take a snapshot on " + division.getMemberId() + ": the latest is at "
            + pinned.index() + ", below the " + reply.getLogIndex() + " it reported");
      }
      return Snapshot.write(pinned.meta(Instant.now()), state, tempDir, writer);
    }
  }

  /** Returns the archive support of a division's state machine. */
  static ArchiveSupport supportOf(RaftServer.Division division) {
    if (division.getStateMachine() instanceof ArchiveSupport.Holder h) {
      return h.archiveSupport();
    }
    throw new IllegalArgumentException("the state machine of " + division.getMemberId() + " ("
        + division.getStateMachine().getClass().getName() + ") has no archive support: extend "
        + "ArchivingStateMachine or implement ArchiveSupport.Holder");
  }
}
