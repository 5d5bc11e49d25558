package io.github.ratissnapshot.archive.ratis.server;

import io.github.ratissnapshot.archive.format.ArchiveSummary;
import io.github.ratissnapshot.archive.format.ArchiveWriter;
import io.github.ratissnapshot.archive.format.Snapshot;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.SnapshotManagementRequest;
import org.apache.ratis.rpc.CallId;
import org.apache.ratis.server.RaftServer;

/**
 * Archives of a running group taken in the process that runs one of its servers: Consul's
 * {@code snapshot.New}. Each save asks the server for a fresh native snapshot through its own admin
 * interface (so no RPC deadline cuts a large one short), pins it, and archives it; the remote counterpart,
 * with the same two ways to save, is {@code SaveClient}.
 *
 * <pre>{@code
 * LocalSnapshots local = LocalSnapshots.newBuilder(division).build();
 * try (Snapshot s = local.save(tempDir)) {      // close() deletes the temporary file
 *   Files.copy(s.openStream(), target);
 * }
 * }</pre>
 *
 * <p>Immutable and thread-safe; saves on one division are serialised by Ratis's snapshot requests.
 */
public final class LocalSnapshots {
  private final RaftServer.Division division;
  private final ArchiveWriter writer;
  private final Duration timeout;

  private LocalSnapshots(Builder b) {
    this.division = b.division;
    this.writer = b.writer;
    this.timeout = b.timeout;
  }

  /**
   * Returns a builder for saves of {@code division}.
   *
   * @param division a division whose state machine is an {@link ArchiveSupport.Holder}
   * @return the builder
   * @throws IllegalArgumentException if the state machine has no archive support
   */
  public static Builder newBuilder(RaftServer.Division division) {
    supportOf(division);
    return new Builder(division);
  }

  /**
   * Takes a fresh snapshot (covering everything the division has applied) and writes an archive of it to a
   * new temporary file in {@code tempDir}.
   *
   * @param tempDir where the archive's temporary file goes
   * @return the archive; the caller must close it, which deletes the file
   * @throws IOException if the snapshot fails or times out, or writing fails; no file is left behind
   */
  public Snapshot save(Path tempDir) throws IOException {
    try (PinnedSnapshot pinned = snapshotAndPin(); InputStream state = pinned.openStream()) {
      return Snapshot.write(pinned.meta(Instant.now()), state, tempDir, writer);
    }
  }

  /**
   * Takes a fresh snapshot and writes an archive of it to {@code out}.
   *
   * @param out where the archive goes; not closed
   * @return the archive's summary
   * @throws IOException if the snapshot fails or times out, or writing fails; what reached {@code out} must
   *     then be discarded
   */
  public ArchiveSummary writeTo(OutputStream out) throws IOException {
    try (PinnedSnapshot pinned = snapshotAndPin(); InputStream state = pinned.openStream()) {
      return writer.write(out, pinned.meta(Instant.now()), state);
    }
  }

  private PinnedSnapshot snapshotAndPin() throws IOException {
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
          + (why == null ? "no application entry applied yet, so there is no state to archive" : why));
    }
    PinnedSnapshot pinned = support.pinLatest();
    if (pinned.index() < reply.getLogIndex()) {
      pinned.close();
      throw new IOException("failed to take a snapshot on " + division.getMemberId() + ": the latest is at "
          + pinned.index() + ", below the " + reply.getLogIndex() + " it reported");
    }
    return pinned;
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

  /** Configures {@link LocalSnapshots}. */
  public static final class Builder {
    private final RaftServer.Division division;
    private ArchiveWriter writer = ArchiveWriter.defaults();
    private Duration timeout = Duration.ofMinutes(10);

    private Builder(RaftServer.Division division) {
      this.division = division;
    }

    /**
     * Sets the archive writer (gzip level, threads); {@link ArchiveWriter#defaults()} unless set.
     *
     * @param writer the writer
     * @return this builder
     */
    public Builder writer(ArchiveWriter writer) {
      this.writer = Objects.requireNonNull(writer, "writer");
      return this;
    }

    /**
     * Sets how long the snapshot may take (10 minutes unless set).
     *
     * @param timeout positive
     * @return this builder
     */
    public Builder timeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("timeout must be positive, got " + timeout);
      }
      this.timeout = timeout;
      return this;
    }

    /**
     * Returns the saver.
     *
     * @return an immutable saver of the division
     */
    public LocalSnapshots build() {
      return new LocalSnapshots(this);
    }
  }
}
