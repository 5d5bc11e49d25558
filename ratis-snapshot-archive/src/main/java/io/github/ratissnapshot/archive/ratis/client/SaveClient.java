package io.github.ratissnapshot.archive.ratis.client;

import io.github.ratissnapshot.archive.format.ArchiveReader;
import io.github.ratissnapshot.archive.format.ArchiveSummary;
import io.github.ratissnapshot.archive.format.ArchiveWriter;
import io.github.ratissnapshot.archive.format.CorruptArchiveException;
import io.github.ratissnapshot.archive.format.Snapshot;
import io.github.ratissnapshot.archive.ratis.protocol.ArchiveProtocol;
import io.github.ratissnapshot.archive.ratis.protocol.PinInfo;
import io.github.ratissnapshot.archive.ratis.protocol.RemoteArchiveException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.UnaryOperator;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftPeerId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes an archive of a running group from outside it: Consul's {@code snapshot save}. It asks one server
 * (the leader unless told otherwise) for a fresh snapshot, pins the snapshot file there, pulls it in chunks
 * with read-only queries addressed to that server, checks its MD5 against the server's {@code .md5}, and
 * builds the archive locally while the bytes stream in. The in-process counterpart, with the same two ways
 * to save, is {@code LocalSnapshots}.
 *
 * <p>By default the server compresses the chunks it sends, as Consul's servers do: the wire carries the
 * archive's compressed bytes (about a fifth of a typical state) and this client only inflates them to hash
 * and check the state, at the price of the server's CPU (one core-second or more per 40 MiB of state at
 * level 6, spread over as many threads as there are queries in flight). {@link Builder#compressOnServer}
 * turns it off; a server of an earlier release, which cannot compress, is pulled from as it is. A caller that
 * verifies each archive once written says so ({@link Builder#verifiesAfterwards}), and this client then does
 * not even inflate: it splices what the server compressed and vouched for, and the verification checks the
 * state.
 *
 * <pre>{@code
 * try (SaveClient client = SaveClient.newBuilder(connection).build();
 *     Snapshot s = client.save(tempDir)) {           // close() deletes the temporary file
 *   Files.copy(s.openStream(), target);
 * }
 * }</pre>
 *
 * <p>One save at a time per instance; the caller closes it.
 */
public final class SaveClient implements AutoCloseable {
  /**
   * How many times in all a save is started, each from a fresh snapshot, while the server holding its
   * snapshot is lost mid-pull: a leader killed and restarted, or replaced by a new one, costs a save one more
   * start, not the save.
   */
  public static final int ATTEMPTS = 3;

  private static final Logger LOG = LoggerFactory.getLogger(SaveClient.class);
  private final GroupConnection connection;
  private final RaftPeerId server;
  private final ArchiveWriter writer;
  private final TransferProgress progress;
  private final boolean compressOnServer;
  private final boolean verifiesAfterwards;
  private final ReconnectingClient clients;
  private volatile RaftPeerId pulledFrom;
  private final PulledSnapshot.Window window = PulledSnapshot.Window.forHeap(Runtime.getRuntime().maxMemory());
  private final ExecutorService readers = Executors.newFixedThreadPool(window.inFlight(), r -> {
    Thread t = new Thread(r, "snapshot-pull");
    t.setDaemon(true);
    return t;
  });

  private SaveClient(Builder b) {
    this.connection = b.connection;
    this.server = b.server;
    this.writer = b.writer;
    this.progress = b.progress;
    this.compressOnServer = b.compressOnServer;
    this.verifiesAfterwards = b.verifiesAfterwards;
    this.clients = new ReconnectingClient(connection, 10);
  }

  /**
   * Returns a builder for a client of the group {@code connection} reaches.
   *
   * @param connection how to reach the group
   * @return the builder
   */
  public static Builder newBuilder(GroupConnection connection) {
    return new Builder(connection);
  }

  /**
   * Saves an archive of the group's state into a new temporary file in {@code tempDir}. A save whose
   * snapshot's server is lost mid-pull ({@link SnapshotLostException}: it restarted, stopped answering, or the
   * pin expired) deletes its file and starts over from a fresh snapshot, up to {@link #ATTEMPTS} times in
   * all, each start logged at WARN and told to the progress listener ({@link TransferProgress#startingOver}).
   *
   * @param tempDir where the archive's temporary file goes
   * @return the archive; the caller must close it, which deletes the file
   * @throws SnapshotLostException if every attempt lost its snapshot; the message says so and ends with the
   *     last loss
   * @throws IOException if the group cannot be reached, the snapshot fails, the bytes received do not match
   *     the server's MD5 ({@code snapshot pulled from nX is corrupt: MD5 ...}), or a segment the server
   *     compressed does not inflate ({@code the compressed snapshot is corrupt: ...}); no file is left behind.
   *     With {@link Builder#verifiesAfterwards} the last two may show only in that verification instead.
   */
  public Snapshot save(Path tempDir) throws IOException {
    for (int attempt = 1; ; attempt++) {
      try {
        return saveOnce(tempDir);
      } catch (IOException e) {
        SnapshotLostException lost = SnapshotLostException.in(e);
        if (lost == null) {
          throw e;
        }
        if (attempt == ATTEMPTS) {
          throw lost.afterAttempts(attempt);
        }
        String again = lost.startingOver(attempt + 1, ATTEMPTS);
        LOG.warn(again);
        progress.startingOver(again);
      }
    }
  }

  private Snapshot saveOnce(Path tempDir) throws IOException {
    try (PulledSnapshot state = snapshotAndPull()) {
      if (state.withCrc()) {
        return Snapshot.writeVouched(state.meta(Instant.now()), state.vouched(), tempDir, writer);
      }
      return state.compressed()
          ? Snapshot.write(state.meta(Instant.now()), state.deflated(), tempDir, writer)
          : Snapshot.write(state.meta(Instant.now()), state, tempDir, writer);
    } catch (CorruptArchiveException e) {
      throw corruptSegment(e);
    }
  }

  /**
   * Saves an archive of the group's state to {@code out}.
   *
   * @param out where the archive goes; not closed
   * @return the archive's summary
   * @throws SnapshotLostException if the snapshot's server was lost mid-pull (it restarted, stopped answering,
   *     or the pin expired): discard what was written and call again with an empty stream to start over from
   *     a fresh snapshot, as {@link #save} does by itself up to {@link #ATTEMPTS} times
   * @throws IOException if the group cannot be reached, the snapshot fails, the bytes received do not match
   *     the server's MD5 ({@code snapshot pulled from nX is corrupt: MD5 ...}), or a segment the server
   *     compressed does not inflate ({@code the compressed snapshot is corrupt: ...}); the bytes written to
   *     {@code out} must then be discarded. With {@link Builder#verifiesAfterwards} the last two may show only
   *     in that verification instead.
   */
  public ArchiveSummary writeTo(OutputStream out) throws IOException {
    try (PulledSnapshot state = snapshotAndPull()) {
      if (state.withCrc()) {
        return writer.writeVouched(out, state.meta(Instant.now()), state.vouched());
      }
      return state.compressed()
          ? writer.write(out, state.meta(Instant.now()), state.deflated())
          : writer.write(out, state.meta(Instant.now()), state);
    } catch (CorruptArchiveException e) {
      throw corruptSegment(e);
    } catch (IOException e) {
      SnapshotLostException lost = SnapshotLostException.in(e);
      throw lost != null ? lost : e;
    }
  }

  /**
   * Verifies an archive this client has just saved, as {@link ArchiveReader#verifyWritten} does, and names the
   * server the state came from when it does not verify: with {@link Builder#verifiesAfterwards} that
   * verification is the first to read the state's bytes, so a snapshot corrupt on the server shows here.
   *
   * @param file the archive file the last save wrote; opened and closed here
   * @param saved the summary that save returned
   * @param around wraps the file's stream (to count progress, say); {@code UnaryOperator.identity()} for none
   * @return the file's SHA-256, in lowercase hex
   * @throws CorruptArchiveException if an entry is corrupt: "the archive saved from server nX does not verify
   *     (its snapshot there, or the copy pulled, is corrupt): " and the reader's message, with its problem and
   *     entry
   * @throws IOException as {@link ArchiveReader#verifyWritten} throws otherwise
   */
  public String verifySaved(Path file, ArchiveSummary saved, UnaryOperator<InputStream> around)
      throws IOException {
    try {
      return ArchiveReader.defaults().verifyWritten(file, saved, around);
    } catch (CorruptArchiveException e) {
      throw new CorruptArchiveException(e.problem(), e.entryName(), "the archive saved from server " + pulledFrom
          + " does not verify (its snapshot there, or the copy pulled, is corrupt): " + e.getMessage(), e);
    }
  }

  /** Closes the underlying Ratis client. */
  @Override
  public void close() throws IOException {
    readers.shutdownNow();
    clients.close();
  }

  /** Asks the server (or the leader) for a fresh snapshot, pins it, and starts pulling it. */
  private PulledSnapshot snapshotAndPull() throws IOException {
    RaftClientReply snap;
    progress.phase(TransferProgress.Stage.SNAPSHOT, (server == null ? "the leader" : server.toString()) + " taking a snapshot");
    try {
      snap = clients.call(c -> {
        if (server == null) {
          // The snapshot API sends to the client's idea of the leader, which is the first peer until a reply
          // says otherwise, and servers snapshot without checking that they lead: learn the leader first.
          c.io().sendReadOnly(ArchiveProtocol.status(ArchiveProtocol.ANY_RESTORE));
        }
        return (server == null ? c.getSnapshotManagementApi() : c.getSnapshotManagementApi(server))
            .create(1, connection.requestTimeout().toMillis());
      });
    } catch (IOException | RuntimeException e) {
      throw connection.unreachable("take a snapshot", e);
    }
    if (!snap.isSuccess()) {
      throw new IOException("server " + snap.getServerId() + " failed to take a snapshot: "
          + snap.getException());
    }
    RaftPeerId target = snap.getServerId();
    pulledFrom = target;
    PinInfo pin = pin(target);
    int level = compressOnServer && pin.deflates() ? writer.level() : -1;
    boolean withCrc = verifiesAfterwards && level >= 0 && pin.sha256Hex() != null;
    progress.phase(TransferProgress.Stage.PULL, target + " took a snapshot at index " + snap.getLogIndex()
        + (level < 0 ? "; pulling it" : "; pulling it compressed" + (withCrc ? " and hashed" : "") + " by " + target));
    if (snap.getLogIndex() < 0 || pin.index() < snap.getLogIndex()) {
      // No snapshot was taken now: the pinned one is older than the state the save must cover.
      PulledSnapshot.release(clients, pin, target);
      throw new IOException("server " + target + " took no snapshot (it answered index " + snap.getLogIndex()
          + "; its latest is at " + pin.index() + ")");
    }
    return new PulledSnapshot(clients, connection, readers, window, target, pin, progress, level, withCrc);
  }

  /** A segment the server compressed does not inflate: what the server sent is wrong, not an archive. */
  private static IOException corruptSegment(CorruptArchiveException e) {
    return new IOException("the compressed snapshot is corrupt: " + e.getMessage(), e);
  }

  private PinInfo pin(RaftPeerId target) throws IOException {
    RaftClientReply reply;
    try {
      reply = clients.call(c -> c.io().sendStaleRead(ArchiveProtocol.pin(target.toString()), 0, target));
    } catch (IOException | RuntimeException e) {
      // It answered the snapshot request a moment ago.
      throw new SnapshotLostException(target, connection.unreachable("pin the snapshot server " + target
          + " took", e).getMessage(), e);
    }
    try {
      return PinInfo.parse(reply.getMessage().getContent(), target);
    } catch (RemoteArchiveException e) {
      throw new IOException("server " + target + " cannot provide its snapshot: " + e.getMessage(), e);
    }
  }

  /** Configures a {@link SaveClient}. */
  public static final class Builder {
    private final GroupConnection connection;
    private RaftPeerId server;
    private ArchiveWriter writer = ArchiveWriter.defaults();
    private TransferProgress progress = TransferProgress.NONE;
    private boolean compressOnServer = true;
    private boolean verifiesAfterwards;

    private Builder(GroupConnection connection) {
      this.connection = Objects.requireNonNull(connection, "connection");
    }

    /**
     * Sets the server to snapshot; the group's leader unless set (or set to null), which covers every
     * acknowledged write.
     *
     * @param id a server of the group, or null for the leader
     * @return this builder
     */
    public Builder server(RaftPeerId id) {
      this.server = id;
      return this;
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
     * Sets who is told the state bytes received so far, in order, on the thread that saves.
     *
     * @param progress the listener
     * @return this builder
     */
    public Builder progress(TransferProgress progress) {
      this.progress = Objects.requireNonNull(progress, "progress");
      return this;
    }

    /**
     * Sets where the state is compressed: on the server that holds the snapshot (the default; the wire then
     * carries compressed bytes) or in this client (the wire carries the state as it is, and the server only
     * reads its file). Either way the archive holds the same tar and is checked against the server's MD5.
     *
     * @param onServer true to have the server compress
     * @return this builder
     */
    public Builder compressOnServer(boolean onServer) {
      this.compressOnServer = onServer;
      return this;
    }

    /**
     * Declares that the caller verifies every archive this client writes before relying on it, with
     * {@link SaveClient#verifySaved} (or {@link ArchiveReader#verifyWritten}), as {@code ratis-snapshot save}
     * and the backup agent do. The client then leaves the state's bytes to that verification when the server
     * compresses them and vouches for them (a server that hashed its snapshot as it wrote it sends the
     * SHA-256 with the pin and a CRC-32 with each range): it splices the segments into the archive without
     * inflating them and does not check the MD5, so the state is checked once instead of twice. A corrupt
     * snapshot or segment then fails that verification, not the save.
     * Off unless set: without it every byte is inflated and checked against the server's MD5 while it
     * arrives. A snapshot the server did not hash (one from before its restart, or installed by Ratis) is
     * checked that way whatever this says.
     *
     * @param verifies true if the caller verifies each archive once written
     * @return this builder
     */
    public Builder verifiesAfterwards(boolean verifies) {
      this.verifiesAfterwards = verifies;
      return this;
    }

    /**
     * Returns the client.
     *
     * @return a client with its own Ratis connection, which the caller closes
     */
    public SaveClient build() {
      return new SaveClient(this);
    }
  }
}
