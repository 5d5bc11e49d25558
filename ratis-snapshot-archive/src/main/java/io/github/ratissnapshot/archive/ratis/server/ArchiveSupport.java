package io.github.ratissnapshot.archive.ratis.server;

import io.github.ratissnapshot.archive.ratis.RatisVersion;
import io.github.ratissnapshot.archive.ratis.protocol.ArchiveProtocol;
import io.github.ratissnapshot.archive.ratis.protocol.Membership;
import io.github.ratissnapshot.archive.ratis.protocol.PinInfo;
import io.github.ratissnapshot.archive.ratis.protocol.RestoreInProgressException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RaftConfigurationProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftConfiguration;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything the archive mixin adds to a Ratis state machine, as a part that any state machine can hold:
 * native snapshots whose file is the application's state, the online-restore protocol, the snapshot pins
 * remote saves read from, and the record of which configuration was in force where.
 * {@code ArchivingStateMachine} wires it into {@code BaseStateMachine}; a state machine with another
 * superclass forwards the calls listed below itself, and implements {@link Holder} so that
 * {@link LocalSnapshots} can find it.
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
 *   <li>{@code startTransaction}: if {@link #refusesWrite} says so, set the exception it returns on the
 *       transaction.</li>
 *   <li>{@code applyTransaction}: first {@link #apply} with the term-index applied before this entry; if
 *       it returns a reply, use it; else apply the entry to the application. Then advance the last applied
 *       term-index to the entry's, in both cases.</li>
 *   <li>{@code query}: first {@link #query}; else the application's query.</li>
 *   <li>{@code notifyConfigurationChanged}: {@link #configurationChanged}.</li>
 *   <li>{@code close}: {@link #close}.</li>
 * </ul>
 *
 * <p>Thread safety follows Ratis's threading: {@code apply}, {@code takeSnapshot}, {@code reinitialize} and
 * {@code configurationChanged} come from the updater thread; {@code query} from RPC threads, concurrently.
 */
public final class ArchiveSupport implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ArchiveSupport.class);

  /** A state machine that holds an {@link ArchiveSupport}. */
  public interface Holder {
    /**
     * Returns the state machine's archive support.
     *
     * @return the support, never null
     */
    ArchiveSupport archiveSupport();
  }

  private final ArchivableState app;
  private final Duration pinTtl;
  private final Clock clock;
  private final NativeSnapshots snapshots = new NativeSnapshots();
  private volatile Replica replica;
  private volatile OperationRouter router;

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
   * Binds to a division's storage, clears leftovers of an earlier run (staging files, pins, unpublished
   * snapshot files), and loads the latest native snapshot, if any, into the application after checking its
   * MD5.
   *
   * @param server the server
   * @param groupId the group
   * @param raftStorage the division's storage
   * @return the term-index of the snapshot loaded, or {@code null} when there is none
   * @throws IOException if the snapshot is corrupt or the application refuses it: the server must not start
   */
  public TermIndex initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage)
      throws IOException {
    String ratis = RatisVersion.running();
    if (!RatisVersion.isTested(ratis)) {
      LOG.warn("{}: Ratis {} is not a version this library is tested on (Ratis {}.x)", server.getId(), ratis,
          String.join(".x, ", RatisVersion.TESTED_LINES));
    }
    snapshots.init(raftStorage);
    Path archiveDir = raftStorage.getStorageDir().getRoot().toPath().resolve("archive");
    ReplicaRestores restores = new ReplicaRestores(archiveDir, server.getId().toString());
    SnapshotPins pins = new SnapshotPins(archiveDir.resolve("pins"), pinTtl, clock);
    pins.reset();
    TermIndex loaded = load(server);
    ConfigurationHistory history = ConfigurationHistory.load(archiveDir.resolve("configurations"),
        loaded == null ? RaftLog.INVALID_LOG_INDEX : loaded.getIndex(), () -> currentConfiguration(server, groupId));
    Replica r = new Replica(server.getId(), app, snapshots, pins, history, restores,
        new SnapshotTrigger(server, groupId));
    r.stateChangedAt(loaded == null ? -1 : loaded.getIndex());
    this.router = new OperationRouter(r);
    this.replica = r;
    return loaded;
  }

  /**
   * Reloads after an InstallSnapshot replaced {@code sm/}: abandons an open restore (the entries that
   * follow the installed snapshot will open it again) and loads the installed snapshot.
   *
   * @return the term-index of the snapshot loaded, or {@code null}
   * @throws IOException if the snapshot is corrupt or the application refuses it
   */
  public TermIndex reinitialize() throws IOException {
    Replica r = replica;
    r.restores().abandon("a snapshot was installed");
    r.restores().discardPending();
    TermIndex loaded = load(null);
    if (loaded != null) {
      r.history().installed(loaded.getIndex());
      r.stateChangedAt(loaded.getIndex());
    }
    return loaded;
  }

  /** Returns the storage Ratis sees, for {@code StateMachine.getStateMachineStorage()}. */
  public StateMachineStorage storage() {
    return snapshots.storage();
  }

  /** Returns the latest native snapshot, or {@code null}; any thread. */
  public SingleFileSnapshotInfo latestSnapshot() {
    return snapshots.latest();
  }

  /** Returns whether an online restore is open on this replica. */
  public boolean isRestoreOpen() {
    return openRestoreId() != null;
  }

  /** Returns the id of the open restore, or {@code null}. */
  public UUID openRestoreId() {
    Replica r = replica;
    RestoreSession open = r == null ? null : r.restores().open();
    return open == null ? null : open.id();
  }

  /**
   * Returns the exception to set on a new transaction when it must be refused: an application write while
   * a restore is open would be applied to the state the restore replaces, and lost.
   *
   * @param request the client's message
   * @return the exception, or empty to let the transaction through
   */
  public Optional<RestoreInProgressException> refusesWrite(Message request) {
    UUID open = openRestoreId();
    if (open == null || ArchiveProtocol.isArchiveMessage(request.getContent())) {
      return Optional.empty();
    }
    return Optional.of(new RestoreInProgressException(open));
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
   * @return the index of the latest snapshot, never below the previous one; -1 if there is none and no
   *     application entry (nor restore) has been applied yet, or this one could not be written
   * @throws IOException if publishing a restored state as the snapshot fails
   */
  public long takeSnapshot(TermIndex lastApplied) throws IOException {
    Replica r = replica;
    SingleFileSnapshotInfo latest = snapshots.latest();
    long latestIndex = latest == null ? RaftLog.INVALID_LOG_INDEX : latest.getIndex();
    RestoreSession open = r.restores().open();
    TermIndex target = open != null ? open.beforeBegin() : lastApplied;
    if (target == null || target.getIndex() <= latestIndex) {
      return latestIndex;
    }
    if (latest == null && open == null && r.stateIndex() < 0) {
      // Only configuration and leader entries so far: the application's state is still its initial one,
      // and a snapshot of it would make an empty group archivable only when elections had added entries.
      LOG.debug("{}: no application entry applied up to {}; no snapshot taken", r.serverId(), target);
      return RaftLog.INVALID_LOG_INDEX;
    }
    ReplicaRestores.Pending p = r.restores().takePending();
    if (p != null && target.getIndex() >= p.at().getIndex()) {
      // No application entry was applied since COMMIT (that would have discarded it): the restored file
      // is the state at target too, whatever configuration or metadata entries came in between.
      snapshots.publish(p.file(), target, p.md5Hex(), p.sha256Hex());
    } else {
      if (p != null) {
        p.discard();
      }
      try {
        snapshots.write(app, target);
      } catch (IOException e) {
        LOG.error("{}: failed to write the snapshot at {}; no snapshot taken", r.serverId(), target, e);
        r.snapshotFailure("writing the snapshot at index " + target.getIndex() + " failed: " + e.getMessage());
        return RaftLog.INVALID_LOG_INDEX;
      }
    }
    r.snapshotFailure(null);
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
    Optional<CompletableFuture<Message>> handled = router.apply(entry, appliedBefore);
    if (handled.isPresent()) {
      return handled;
    }
    UUID open = openRestoreId();
    if (open != null) {
      return Optional.of(CompletableFuture.failedFuture(new RestoreInProgressException(open)));
    }
    replica.restores().discardPending(); // the application's state is about to change
    replica.stateChangedAt(entry.getIndex());
    return Optional.empty();
  }

  /**
   * Answers the archive protocol's read-only queries (pin, read, release, restore status, server info).
   *
   * @param request the query
   * @return the reply, or empty if the application should answer it
   */
  public Optional<CompletableFuture<Message>> query(Message request) {
    return router.query(request);
  }

  /**
   * Records a configuration the state machine applied (or an InstallSnapshot brought), so that archives
   * describe the membership at their own index, and so that a restore's {@code COMMIT} can check the
   * membership in force.
   *
   * @param term the entry's term
   * @param index the entry's index
   * @param conf the configuration
   */
  public void configurationChanged(long term, long index, RaftConfigurationProto conf) {
    Replica r = replica;
    Membership m = Membership.of(conf);
    try {
      r.history().applied(index, ConfigurationMapping.of(m));
    } catch (IOException e) {
      LOG.warn("{}: failed to record the configuration at index {}: {}", r.serverId(), index, e.toString());
    }
    r.restores().configurationApplied(index, m);
  }

  /** Pins the latest native snapshot for an in-process save; the caller closes it. */
  PinnedSnapshot pinLatest() throws IOException {
    Replica r = replica;
    PinInfo info = router.pins().pin();
    return new PinnedSnapshot(info.term(), info.index(), info.size(), info.configuration(),
        info.configurationIndex(), r.pins().path(info.pinId()), () -> r.pins().release(info.pinId()));
  }

  /** Returns why the last snapshot could not be written, or null if it was (or none was tried). */
  String snapshotFailure() {
    return replica.snapshotFailure();
  }

  /** Stops the background trigger and deletes staging files. */
  @Override
  public void close() {
    Replica r = replica;
    if (r != null) {
      r.restores().close();
      r.trigger().close();
    }
  }

  private TermIndex load(RaftServer server) throws IOException {
    Optional<SingleFileSnapshotInfo> latest = snapshots.loadLatest();
    if (latest.isEmpty()) {
      return null;
    }
    try (InputStream in = new BufferedInputStream(Files.newInputStream(latest.get().getFile().getPath()), 1 << 20)) {
      app.replaceState(in);
    }
    LOG.info("{}: loaded snapshot {}", server != null ? server.getId() : replica.serverId(),
        latest.get().getTermIndex());
    return latest.get().getTermIndex();
  }

  private static RaftConfiguration currentConfiguration(RaftServer server, RaftGroupId groupId) {
    try {
      return server.getDivision(groupId).getRaftConf();
    } catch (IOException e) {
      return null;
    }
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

    /**
     * Returns the support.
     *
     * @return a new support, to be initialized by the state machine
     */
    public ArchiveSupport build() {
      return new ArchiveSupport(this);
    }
  }
}
