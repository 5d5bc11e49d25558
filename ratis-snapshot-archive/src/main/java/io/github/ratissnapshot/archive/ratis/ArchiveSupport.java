package io.github.ratissnapshot.archive.ratis;

import io.github.ratissnapshot.archive.format.Configuration;
import io.github.ratissnapshot.archive.ratis.ArchiveProtocol.Abort;
import io.github.ratissnapshot.archive.ratis.ArchiveProtocol.Begin;
import io.github.ratissnapshot.archive.ratis.ArchiveProtocol.Chunk;
import io.github.ratissnapshot.archive.ratis.ArchiveProtocol.Commit;
import io.github.ratissnapshot.archive.ratis.ArchiveProtocol.Op;
import io.github.ratissnapshot.archive.ratis.ArchiveProtocol.Pin;
import io.github.ratissnapshot.archive.ratis.ArchiveProtocol.PinInfo;
import io.github.ratissnapshot.archive.ratis.ArchiveProtocol.Read;
import io.github.ratissnapshot.archive.ratis.ArchiveProtocol.Release;
import io.github.ratissnapshot.archive.ratis.ArchiveProtocol.Status;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RaftConfigurationProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.SnapshotManagementRequest;
import org.apache.ratis.rpc.CallId;
import org.apache.ratis.server.RaftConfiguration;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.ProtoUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything the archive mixin adds to a Ratis state machine, as a part that any state machine can hold:
 * native snapshots whose file is the application's state, the online-restore protocol, and the snapshot
 * pins remote saves read from. {@link ArchivingStateMachine} wires it into {@code BaseStateMachine};
 * a state machine with another superclass forwards the calls listed below itself, and implements
 * {@link Holder} so that {@link LocalSnapshots} can find it.
 *
 * <p>Forwarding contract, each call from the state machine method of the same purpose:
 * <ul>
 *   <li>{@code initialize}: {@link #initialize}; set the last applied term-index to what it returns (if
 *       not null); bring the lifecycle to RUNNING.</li>
 *   <li>{@code pause}: move the lifecycle to PAUSING, then PAUSED.</li>
 *   <li>{@code reinitialize}: {@link #reinitialize}; set the last applied term-index to what it returns;
 *       move the lifecycle PAUSED, STARTING, RUNNING.</li>
 *   <li>{@code getStateMachineStorage}, {@code getLatestSnapshot}: {@link #storage}, {@link #latestSnapshot}.</li>
 *   <li>{@code takeSnapshot}: {@link #takeSnapshot} with the last applied term-index.</li>
 *   <li>{@code applyTransaction}: first {@link #apply} with the term-index applied before this entry; if
 *       it returns a reply, use it; else apply the entry to the application. Then advance the last applied
 *       term-index to the entry's, in both cases.</li>
 *   <li>{@code query}: first {@link #query}; else the application's query.</li>
 *   <li>{@code notifyConfigurationChanged}: {@link #configurationChanged}.</li>
 *   <li>{@code close}: {@link #close}.</li>
 * </ul>
 *
 * <p>Thread safety follows Ratis's threading: {@code apply}, {@code takeSnapshot} and {@code reinitialize}
 * come from the updater thread; {@code query} from RPC threads, concurrently.
 */
public final class ArchiveSupport implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ArchiveSupport.class);
  private static final int CONF_HISTORY = 16;
  private static final long SNAPSHOT_REQUEST_TIMEOUT_MS = Duration.ofHours(1).toMillis();

  /** A state machine that holds an {@link ArchiveSupport}. */
  public interface Holder {
    /** Returns the state machine's archive support. */
    ArchiveSupport archiveSupport();
  }

  private final ArchivableState app;
  private final Duration pinTtl;
  private final Clock clock;
  private final NativeSnapshots snapshots = new NativeSnapshots();
  private final ExecutorService background = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "archive-snapshot-trigger");
    t.setDaemon(true);
    return t;
  });
  private final Map<Long, AppliedConf> confBySnapshot = new LinkedHashMap<>();
  private volatile RaftServer server;
  private volatile RaftGroupId groupId;
  private volatile SnapshotPins pins;
  private volatile Path stagingDir;
  private volatile RestoreSession restore;
  private volatile AppliedConf lastConf;
  /** Why the last snapshot could not be written, until one is; for the save that asked for it. */
  private volatile String snapshotFailure;
  private PendingState pending;

  private record AppliedConf(long index, Configuration configuration) {}

  /** A restored state waiting to become the native snapshot at the COMMIT entry. */
  private record PendingState(Path file, org.apache.ratis.io.MD5Hash md5, TermIndex at) {
    void discard() {
      try {
        Files.deleteIfExists(file);
      } catch (IOException e) {
        LOG.warn("failed to delete {}", file, e);
      }
    }
  }

  private ArchiveSupport(Builder b) {
    this.app = b.app;
    this.pinTtl = b.pinTtl;
    this.clock = b.clock;
  }

  /**
   * Starts configuring the support for an application.
   *
   * @param app the application's state
   * @return a builder
   */
  public static Builder newBuilder(ArchivableState app) {
    return new Builder(app);
  }

  /**
   * Binds to a division's storage, clears leftovers of an earlier run (staging files, pins), and loads the
   * latest native snapshot, if any, into the application after checking its MD5.
   *
   * @param raftServer the server
   * @param raftGroupId the group
   * @param raftStorage the division's storage
   * @return the term-index of the snapshot loaded, or {@code null} when there is none
   * @throws IOException if the snapshot is corrupt or the application refuses it: the server must not start
   */
  public TermIndex initialize(RaftServer raftServer, RaftGroupId raftGroupId, RaftStorage raftStorage)
      throws IOException {
    this.server = raftServer;
    this.groupId = raftGroupId;
    snapshots.init(raftStorage);
    Path archiveDir = raftStorage.getStorageDir().getRoot().toPath().resolve("archive");
    this.stagingDir = archiveDir.resolve("staging");
    Files.createDirectories(stagingDir);
    try (Stream<Path> leftovers = Files.list(stagingDir)) {
      for (Path f : (Iterable<Path>) leftovers::iterator) {
        Files.deleteIfExists(f);
      }
    }
    SnapshotPins p = new SnapshotPins(archiveDir.resolve("pins"), pinTtl, clock);
    p.reset();
    this.pins = p;
    return load();
  }

  /**
   * Reloads after an InstallSnapshot replaced {@code sm/}: abandons an open restore (the entries that
   * follow the installed snapshot will open it again) and loads the installed snapshot.
   *
   * @return the term-index of the snapshot loaded, or {@code null}
   * @throws IOException if the snapshot is corrupt or the application refuses it
   */
  public TermIndex reinitialize() throws IOException {
    endRestore("a snapshot was installed");
    discardPending();
    return load();
  }

  /** Returns the storage Ratis sees, for {@code StateMachine.getStateMachineStorage()}. */
  public StateMachineStorage storage() {
    return snapshots.storage();
  }

  /** Returns the latest native snapshot, or {@code null}. */
  public SingleFileSnapshotInfo latestSnapshot() {
    return snapshots.latest();
  }

  /** Returns whether an online restore is open on this replica. */
  public boolean isRestoreOpen() {
    return restore != null;
  }

  /** Returns the id of the open restore, or {@code null}. */
  public UUID openRestoreId() {
    RestoreSession open = restore;
    return open == null ? null : open.id();
  }

  /**
   * Takes a native snapshot. While a restore is open the application's state is that of the entry just
   * before {@code BEGIN}, and the snapshot is taken there, so that it never covers half a restore and a
   * restart replays the whole restore from the log. Right after a {@code COMMIT} the archive's extracted
   * state becomes the snapshot without being written again.
   *
   * <p>If the snapshot cannot be written (a full disk), its temporary file is removed, the failure is
   * logged and kept, and -1 is returned ("no snapshot taken", as Ratis's {@code BaseStateMachine} says):
   * Ratis only logs a snapshot's {@code IOException} and would leave a snapshot request waiting until its
   * timeout, whereas -1 answers it at once, and the save that asked learns why from its {@code PIN} query.
   *
   * @param lastApplied the last applied term-index
   * @return the index of the latest snapshot, never below the previous one; -1 if there is none or this
   *     one could not be written
   * @throws IOException if publishing a restored state as the snapshot fails
   */
  public long takeSnapshot(TermIndex lastApplied) throws IOException {
    SingleFileSnapshotInfo latest = snapshots.latest();
    long latestIndex = latest == null ? RaftLog.INVALID_LOG_INDEX : latest.getIndex();
    RestoreSession open = restore;
    TermIndex target = open != null ? open.beforeBegin() : lastApplied;
    if (target == null || target.getIndex() <= latestIndex) {
      return latestIndex;
    }
    PendingState p = pending;
    pending = null;
    if (p != null && target.getIndex() >= p.at().getIndex()) {
      // No application entry was applied since COMMIT (that would have discarded it): the restored file
      // is the state at target too, whatever configuration or metadata entries came in between.
      snapshots.publish(p.file(), target, p.md5());
    } else {
      if (p != null) {
        p.discard();
      }
      try {
        snapshots.write(app, target);
      } catch (IOException e) {
        LOG.error("{}: failed to write the snapshot at {}; no snapshot taken", server == null ? "" : server.getId(),
            target, e);
        snapshotFailure = "writing the snapshot at index " + target.getIndex() + " failed: " + e.getMessage();
        return RaftLog.INVALID_LOG_INDEX;
      }
    }
    snapshotFailure = null;
    rememberConf(target.getIndex());
    return target.getIndex();
  }

  /**
   * Handles an entry if it belongs to the archive protocol, or refuses an application entry while a
   * restore is open.
   *
   * @param entry the log entry
   * @param appliedBefore the term-index applied just before it
   * @return the reply, or empty if the application should apply the entry
   * @throws IllegalStateException only when this replica could not stage an archive that the group
   *     commits: it stops rather than diverge, and replays the restore when restarted
   */
  public Optional<CompletableFuture<Message>> apply(LogEntryProto entry, TermIndex appliedBefore) {
    ByteString data = entry.getStateMachineLogEntry().getLogData();
    if (!ArchiveProtocol.isArchiveMessage(data)) {
      RestoreSession open = restore;
      if (open != null) {
        return Optional.of(CompletableFuture.failedFuture(new RestoreInProgressException(open.id())));
      }
      discardPending(); // the application's state is about to change
      return Optional.empty();
    }
    Message reply;
    try {
      Op op = ArchiveProtocol.decode(data).orElseThrow();
      if (op instanceof Begin b) {
        reply = begin(b, appliedBefore);
      } else if (op instanceof Chunk c) {
        reply = chunk(c);
      } else if (op instanceof Commit c) {
        reply = commit(c, TermIndex.valueOf(entry));
      } else if (op instanceof Abort a) {
        reply = abort(a);
      } else {
        reply = ArchiveProtocol.failed("NOT_A_WRITE", "a " + op.getClass().getSimpleName()
            + " is a query; it does not belong in the log");
      }
    } catch (IOException e) {
      reply = ArchiveProtocol.failed("MALFORMED", e.getMessage());
    }
    return Optional.of(CompletableFuture.completedFuture(reply));
  }

  /**
   * Answers the archive protocol's read-only queries (pin, read, release, restore status).
   *
   * @param request the query
   * @return the reply, or empty if the application should answer it
   */
  public Optional<CompletableFuture<Message>> query(Message request) {
    ByteString data = request.getContent();
    if (!ArchiveProtocol.isArchiveMessage(data)) {
      return Optional.empty();
    }
    Message reply;
    try {
      Op op = ArchiveProtocol.decode(data).orElseThrow();
      if (op instanceof Pin p) {
        reply = pinForRemote(p);
      } else if (op instanceof Read r) {
        ByteString bytes = pins.read(r.pinId(), r.offset(), r.length());
        reply = Message.valueOf(ByteString.copyFrom(new byte[] {ArchiveProtocol.OK}).concat(bytes));
      } else if (op instanceof Release r) {
        pins.release(r.pinId());
        reply = ArchiveProtocol.ok(out -> { });
      } else if (op instanceof Status s) {
        reply = ArchiveProtocol.ok(ArchiveProtocol.restoreStatus(status(s.id())));
      } else {
        reply = ArchiveProtocol.failed("NOT_A_QUERY", "a " + op.getClass().getSimpleName()
            + " is a log entry; send it as a write");
      }
    } catch (RemoteArchiveException e) {
      reply = ArchiveProtocol.failed(e.problem(), e.getMessage());
    } catch (IOException | RuntimeException e) {
      reply = ArchiveProtocol.failed(RemoteArchiveException.IO, String.valueOf(e.getMessage()));
    }
    return Optional.of(CompletableFuture.completedFuture(reply));
  }

  /**
   * Records a configuration the state machine applied, so that snapshots know their configuration.
   *
   * @param term the entry's term
   * @param index the entry's index
   * @param conf the configuration
   */
  public void configurationChanged(long term, long index, RaftConfigurationProto conf) {
    lastConf = new AppliedConf(index, ConfigurationMapping.of(conf));
  }

  /**
   * Pins the latest native snapshot for reading; used by {@link LocalSnapshots}.
   *
   * @return the pinned snapshot; the caller closes it
   * @throws RemoteArchiveException with {@link RemoteArchiveException#NO_SNAPSHOT} if there is none
   * @throws IOException if pinning fails, or if the last snapshot could not be written (pinning an older
   *     one would save a state older than the one asked for)
   */
  public PinnedSnapshot pinLatest() throws IOException {
    PinInfo info = pinInfo();
    SnapshotPins p = pins;
    return new PinnedSnapshot(info.term(), info.index(), info.size(), info.configuration(),
        info.configurationIndex(), pinPath(info.pinId()), () -> p.release(info.pinId()));
  }

  /** Returns why the last snapshot could not be written, or null if it was (or none was tried). */
  String snapshotFailure() {
    return snapshotFailure;
  }

  /** Stops the background trigger and deletes staging files. */
  @Override
  public void close() {
    endRestore("the state machine closed");
    discardPending();
    background.shutdownNow();
  }

  // ---- online restore, on the updater thread

  private Message begin(Begin b, TermIndex appliedBefore) {
    endRestore("restore " + b.id() + " began");
    discardPending();
    restore = new RestoreSession(b.id(), b.archiveBytes(), appliedBefore, stagingDir);
    LOG.info("{}: restore {} began ({} bytes of archive); application writes are refused until it ends",
        server.getId(), b.id(), b.archiveBytes());
    return ArchiveProtocol.ok(ArchiveProtocol.restoreStatus(restore.status()));
  }

  private Message chunk(Chunk c) {
    RestoreSession open = restore;
    if (open == null || !open.id().equals(c.id())) {
      return notOpen(c.id(), open);
    }
    open.append(c.seq(), c.payload());
    return ArchiveProtocol.ok(ArchiveProtocol.restoreStatus(open.status()));
  }

  private Message commit(Commit c, TermIndex at) {
    RestoreSession open = restore;
    if (open == null || !open.id().equals(c.id())) {
      return notOpen(c.id(), open);
    }
    open.checkCommit(c.chunks(), c.archiveSha256());
    try {
      switch (open.stage()) {
        case READY:
          break;
        case LOCAL_FAILURE:
          LOG.error("{}: restore {} is committed but this replica could not stage it ({}); stopping rather "
              + "than keep a state the group no longer has. Free the resource and restart: the restore "
              + "replays from the log.", server.getId(), c.id(), open.message());
          throw new IllegalStateException("restore " + c.id() + " could not be staged on " + server.getId()
              + ": " + open.message());
        default:
          LOG.warn("{}: restore {} rejected: {}", server.getId(), c.id(), open.message());
          return ArchiveProtocol.failed(open.problem(), open.message());
      }
      try (InputStream in = open.openState()) {
        app.replaceState(in);
      } catch (IOException | RuntimeException e) {
        LOG.warn("{}: restore {}: the application refused the archive's state", server.getId(), c.id(), e);
        return ArchiveProtocol.failed(RemoteArchiveException.STATE_REJECTED,
            "the application refused the archive's state: " + e.getMessage());
      }
      var meta = open.summary().meta();
      pending = new PendingState(open.takeStateFile(), open.stateMd5(), at);
      LOG.info("{}: restore {} committed at {}: archive {} (Index {}, Term {}, {} bytes of state)",
          server.getId(), c.id(), at, meta.id(), meta.index(), meta.term(), meta.size());
      requestSnapshot();
      return ArchiveProtocol.ok(out -> {
        out.writeLong(at.getTerm());
        out.writeLong(at.getIndex());
        out.writeUTF(meta.id());
      });
    } finally {
      open.close();
      restore = null;
    }
  }

  private Message abort(Abort a) {
    RestoreSession open = restore;
    boolean any = ArchiveProtocol.ANY_RESTORE.equals(a.id());
    if (open != null && (any || open.id().equals(a.id()))) {
      endRestore(any ? "an operator aborted the open restore" : "the client aborted it");
      return ArchiveProtocol.ok(out -> out.writeUTF(open.id().toString()));
    }
    return ArchiveProtocol.ok(out -> out.writeUTF(""));
  }

  private ArchiveProtocol.RestoreStatus status(UUID id) {
    RestoreSession open = restore;
    if (open == null || !open.id().equals(id)) {
      return new ArchiveProtocol.RestoreStatus(RestoreSession.Stage.NONE, 0, 0, null,
          open == null ? "no restore is open" : "restore " + open.id() + " is open");
    }
    return open.status();
  }

  private Message notOpen(UUID id, RestoreSession open) {
    return ArchiveProtocol.failed(RemoteArchiveException.NOT_OPEN, "restore " + id + " is not open on "
        + server.getId() + (open == null ? "" : " (restore " + open.id() + " is)"));
  }

  private void endRestore(String why) {
    RestoreSession open = restore;
    if (open != null) {
      LOG.info("{}: restore {} abandoned: {}", server == null ? "?" : server.getId(), open.id(), why);
      open.close();
      restore = null;
    }
  }

  private void discardPending() {
    PendingState p = pending;
    pending = null;
    if (p != null) {
      p.discard();
    }
  }

  /** Asks Ratis for a snapshot once this batch is applied, so that the restore's chunks can leave the log. */
  private void requestSnapshot() {
    RaftServer s = server;
    RaftGroupId g = groupId;
    background.execute(() -> {
      SnapshotManagementRequest req = SnapshotManagementRequest.newCreate(ClientId.randomId(), s.getId(), g,
          CallId.getAndIncrement(), SNAPSHOT_REQUEST_TIMEOUT_MS, 1);
      s.snapshotManagementAsync(req).whenComplete((reply, e) -> {
        if (e != null || reply == null || !reply.isSuccess()) {
          LOG.warn("{}: snapshot after restore failed: {}", s.getId(), e != null ? e : reply);
        }
      });
    });
  }

  // ---- snapshots and pins

  private TermIndex load() throws IOException {
    Optional<SingleFileSnapshotInfo> latest = snapshots.loadLatest();
    if (latest.isEmpty()) {
      return null;
    }
    try (InputStream in = new BufferedInputStream(NativeSnapshots.open(latest.get()), 1 << 20)) {
      app.replaceState(in);
    }
    LOG.info("{}: loaded snapshot {}", server.getId(), latest.get().getTermIndex());
    return latest.get().getTermIndex();
  }

  private Message pinForRemote(Pin request) throws IOException {
    String me = server.getId().toString();
    if (!request.serverId().equals(me)) {
      return ArchiveProtocol.failed("WRONG_SERVER", "the pin request for " + request.serverId()
          + " reached " + me);
    }
    return ArchiveProtocol.ok(ArchiveProtocol.pinInfo(pinInfo()));
  }

  /** Pins the latest snapshot, unless the last one could not be written: an older one would be stale. */
  private PinInfo pinInfo() throws IOException {
    String failure = snapshotFailure;
    if (failure != null) {
      throw new RemoteArchiveException(RemoteArchiveException.IO, failure);
    }
    for (int attempt = 0; ; attempt++) {
      SingleFileSnapshotInfo latest = snapshots.latest();
      if (latest == null) {
        throw new RemoteArchiveException(RemoteArchiveException.NO_SNAPSHOT,
            "server " + server.getId() + " has no snapshot yet");
      }
      UUID id;
      try {
        id = pins.pin(latest);
      } catch (NoSuchFileException e) {
        if (attempt < 3) {
          continue; // retention or an install removed it just now: pin the newer one
        }
        throw e;
      }
      AppliedConf conf = confAt(latest.getIndex());
      var digest = latest.getFile().getFileDigest();
      return new PinInfo(id, latest.getTerm(), latest.getIndex(), Files.size(pinPath(id)),
          digest == null ? null : digest.toString(), conf.configuration(), conf.index());
    }
  }

  private Path pinPath(UUID id) {
    return pins.path(id);
  }

  private synchronized void rememberConf(long snapshotIndex) {
    AppliedConf c = lastConf;
    if (c != null && c.index() <= snapshotIndex) {
      confBySnapshot.put(snapshotIndex, c);
      while (confBySnapshot.size() > CONF_HISTORY) {
        confBySnapshot.remove(confBySnapshot.keySet().iterator().next());
      }
    }
  }

  private synchronized AppliedConf confAt(long snapshotIndex) {
    AppliedConf known = confBySnapshot.get(snapshotIndex);
    if (known != null) {
      return known;
    }
    try {
      RaftServer.Division d = server.getDivision(groupId);
      RaftConfiguration conf = d.getRaftConf();
      return new AppliedConf(Math.max(0, conf.getLogEntryIndex()),
          ConfigurationMapping.of(conf, stagingPeers(d, conf)));
    } catch (IOException e) {
      return new AppliedConf(0, Configuration.EMPTY);
    }
  }

  /** On a leader: peers it replicates to that are not in the configuration yet. */
  private static List<RaftPeer> stagingPeers(RaftServer.Division d, RaftConfiguration conf) {
    List<RaftPeer> staging = new ArrayList<>();
    RoleInfoProto role = d.getInfo().getRoleInfoProto();
    if (role.getRole() != RaftPeerRole.LEADER || !role.hasLeaderInfo()) {
      return staging;
    }
    for (ServerRpcProto f : role.getLeaderInfo().getFollowerInfoList()) {
      RaftPeer p = ProtoUtils.toRaftPeer(f.getId());
      if (conf.getPeer(p.getId(), RaftPeerRole.FOLLOWER, RaftPeerRole.LISTENER) == null) {
        staging.add(p);
      }
    }
    return staging;
  }

  /** Configures an {@link ArchiveSupport}. */
  public static final class Builder {
    private final ArchivableState app;
    private Duration pinTtl = Duration.ofMinutes(10);
    private Clock clock = Clock.systemUTC();

    private Builder(ArchivableState app) {
      this.app = Objects.requireNonNull(app, "app");
    }

    /**
     * Sets how long a snapshot pinned for a remote save survives without being read.
     *
     * @param ttl the time to live, positive
     * @return this builder
     */
    public Builder pinTimeToLive(Duration ttl) {
      if (ttl.isNegative() || ttl.isZero()) {
        throw new IllegalArgumentException("pin time-to-live must be positive, got " + ttl);
      }
      this.pinTtl = ttl;
      return this;
    }

    /**
     * Sets the clock for pin expiry.
     *
     * @param clock the clock
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Returns the support. */
    public ArchiveSupport build() {
      return new ArchiveSupport(this);
    }
  }
}
