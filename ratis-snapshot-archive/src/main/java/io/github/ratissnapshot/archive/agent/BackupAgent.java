package io.github.ratissnapshot.archive.agent;

import io.github.ratissnapshot.archive.format.ArchiveSummary;
import io.github.ratissnapshot.archive.format.ArchiveWriter;
import io.github.ratissnapshot.archive.format.Snapshot;
import io.github.ratissnapshot.archive.format.SnapshotMeta;
import io.github.ratissnapshot.archive.ratis.client.Causes;
import io.github.ratissnapshot.archive.ratis.client.GroupConnection;
import io.github.ratissnapshot.archive.ratis.client.SaveClient;
import io.github.ratissnapshot.archive.ratis.client.StatusClient;
import io.github.ratissnapshot.archive.ratis.client.TransferProgress;
import io.github.ratissnapshot.archive.ratis.protocol.RemoteArchiveException;
import io.github.ratissnapshot.archive.ratis.protocol.RemoteProblem;
import io.github.ratissnapshot.archive.store.ArchiveName;
import io.github.ratissnapshot.archive.store.ArchiveStore;
import io.github.ratissnapshot.archive.store.RetentionPolicy;
import io.github.ratissnapshot.archive.store.StoredArchive;
import io.github.ratissnapshot.archive.store.UploadCheck;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;

/**
 * Archives a group on a schedule: each cycle saves the leader's state into a scratch file, verifies it,
 * publishes it to every destination store, checks each upload, and applies the retention policy. A cycle
 * whose group has not applied anything since the newest archive in the stores skips (after a restart too:
 * the stores are the record). The first cycle cleans up what a killed agent left in the stores.
 *
 * <p>Retention deletes only archives under this group's own prefix whose names are archive names (what this
 * tool publishes), only those the policy drops, never the newest, and at most the configured number per
 * cycle. Foreign files are never touched.
 *
 * <p>A save that loses the snapshot it pulls (the leader killed or restarted mid-pull) starts over from the
 * next leader's snapshot, within the cycle ({@link SaveClient#save}); the published cycle's message says why.
 *
 * <p>A cycle never throws for an operational failure: it returns a {@link CycleResult} that says which stage
 * failed and why. One agent runs one cycle at a time; {@link #run} loops until the thread is interrupted.
 * The caller closes the agent, which closes the stores.
 */
public final class BackupAgent implements AutoCloseable {
  /**
   * The message of a published cycle; followed by "; " and why, each time, if the save started over after
   * losing the snapshot it pulled.
   */
  public static final String PUBLISHED = "published";

  private final GroupConnection connection;
  private final UUID group;
  private final List<ArchiveStore> destinations;
  private final RetentionPolicy retention;
  private final int maxDeletes;
  private final AgentScratch scratch;
  private final ArchiveWriter writer;
  private final Clock clock;
  private final ArchiveLease lease;
  private final boolean verifyUploads;
  private boolean cleanedUp;

  private BackupAgent(Builder b) {
    this.connection = b.connection;
    this.group = b.connection.group().getGroupId().getUuid();
    this.destinations = List.copyOf(b.destinations);
    this.retention = b.retention;
    this.maxDeletes = b.maxDeletes;
    this.scratch = new AgentScratch(b.scratch, group);
    this.writer = b.writer;
    this.clock = b.clock;
    this.verifyUploads = b.verifyUploads;
    this.lease = b.leaseHolder == null ? null : new ArchiveLease(connection, b.leaseHolder, b.leaseTtl, b.clock);
  }

  /**
   * Starts configuring an agent for a group.
   *
   * @param connection how to reach the group; its group id names the archives
   * @return the builder
   */
  public static Builder newBuilder(GroupConnection connection) {
    return new Builder(connection);
  }

  /**
   * Runs one cycle.
   *
   * @return what it did; a failure is a result, not an exception
   */
  public CycleResult runOnce() {
    Instant start = clock.instant();
    List<String> published = new ArrayList<>();
    List<String> deleted = new ArrayList<>();
    Stages stages = new Stages();
    try (ArchiveLease.Keeper keeper = lease == null ? null : lease.keep()) {
      if (keeper != null) {
        stages.enter("lease");
        Optional<String> standby = keeper.standby();
        if (standby.isPresent()) {
          return stages.result(start, CycleResult.Outcome.STANDBY, standby.get(), published, deleted);
        }
      }
      stages.enter("clean-up");
      if (!cleanedUp) {
        stages.cleanedUp.addAll(scratch.cleanUp());
        for (ArchiveStore s : destinations) {
          for (String left : s.cleanUp(group)) {
            stages.cleanedUp.add(s.addressOf(group, left));
          }
        }
        cleanedUp = true;
      }
      stages.enter("check");
      Optional<String> unchanged = unchanged(stages);
      if (unchanged.isPresent()) {
        return stages.result(start, CycleResult.Outcome.SKIPPED, unchanged.get(), published, deleted);
      }
      stages.enter("save");
      TransferProgress startsOver = new TransferProgress() {
        @Override
        public void update(long done, long total) {}

        @Override
        public void startingOver(String why) {
          stages.startedOver.add(why);
        }
      };
      try (SaveClient save = SaveClient.newBuilder(connection).writer(writer).verifiesAfterwards(true)
          .progress(startsOver).build();
          Snapshot snapshot = save.save(scratch.directory())) {
        stages.enter("verify");
        String archiveSha256 = save.verifySaved(snapshot.path(), snapshot.summary(), UnaryOperator.identity());
        SnapshotMeta meta = snapshot.meta();
        stages.archive(meta.term(), meta.index(), snapshot.archiveBytes());
        ArchiveName name = new ArchiveName(group, meta.created().orElseGet(clock::instant), meta.term(), meta.index());
        String stateSha256 = snapshot.summary().state().sha256Hex();
        for (ArchiveStore s : destinations) {
          if (keeper != null) {
            keeper.checkHeld();
          }
          stages.enter("publish");
          StoredArchive stored = s.publish(snapshot.path(), name, stateSha256, archiveSha256);
          stages.enter("check-upload");
          UploadCheck.listed(s, stored);
          if (verifyUploads) {
            stages.enter("verify-upload");
            ArchiveSummary back = UploadCheck.readBack(s, stored);
            if (!back.entries().equals(snapshot.summary().entries())) {
              throw new IOException(s.addressOf(name) + " reads back with other entries than the "
                  + "archive published");
            }
          }
          published.add(s.addressOf(name));
        }
      }
      if (retention != null) {
        if (keeper != null) {
          keeper.checkHeld();
        }
        stages.enter("retention");
        for (ArchiveStore s : destinations) {
          List<StoredArchive> archives = s.list(group).archives();
          RetentionPolicy.Decision d = retention.apply(archives, maxDeletes);
          for (StoredArchive a : d.delete()) {
            s.delete(a.name());
            deleted.add(s.addressOf(a.name()));
          }
          stages.kept.put(s.location(), archives.size() - d.delete().size());
        }
      } else {
        for (ArchiveStore s : destinations) {
          stages.kept.put(s.location(), s.list(group).archives().size());
        }
      }
      return stages.result(start, CycleResult.Outcome.PUBLISHED, stages.startedOver.isEmpty() ? PUBLISHED
          : PUBLISHED + "; " + String.join("; ", stages.startedOver), published, deleted);
    } catch (IOException | RuntimeException e) {
      for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
        if (t instanceof RemoteArchiveException r && r.problem() == RemoteProblem.NO_SNAPSHOT) {
          // A group that has applied nothing yet has no state to archive; that is not a failure.
          return stages.result(start, CycleResult.Outcome.SKIPPED, "the group has no state to archive yet ("
              + r.getMessage() + ")", published, deleted);
        }
      }
      return stages.result(start, CycleResult.Outcome.FAILED, Causes.describe(e), published, deleted);
    }
  }

  /**
   * The stages of one cycle and how long each took (a stage entered again adds up), and the archive it made or
   * found current.
   */
  private final class Stages {
    private final Map<String, Duration> took = new LinkedHashMap<>();
    private final Map<String, Integer> kept = new LinkedHashMap<>();
    private final List<String> cleanedUp = new ArrayList<>();
    /** Why the save started over, each time it did. */
    private final List<String> startedOver = new ArrayList<>();
    private String current;
    private long since;
    private long term = -1;
    private long index = -1;
    private long bytes;

    void enter(String stage) {
      close();
      current = stage;
      since = System.nanoTime();
    }

    private void close() {
      if (current != null) {
        took.merge(current, Duration.ofNanos(System.nanoTime() - since), Duration::plus);
      }
    }

    /** Records the archive of this cycle: made by it ({@code archiveBytes} > 0) or found current (0). */
    void archive(long archiveTerm, long archiveIndex, long archiveBytes) {
      term = archiveTerm;
      index = archiveIndex;
      bytes = archiveBytes;
    }

    CycleResult result(Instant start, CycleResult.Outcome outcome, String message, List<String> published,
        List<String> deleted) {
      String last = current;
      close();
      current = null;
      return new CycleResult(start, clock.instant(), outcome, last, message, term, index, bytes, published,
          deleted, cleanedUp, took, kept);
    }
  }

  /**
   * Runs a cycle every {@code interval} (measured from each cycle's start; a late cycle is not made up)
   * until the calling thread is interrupted.
   *
   * @param interval the time between cycle starts, positive
   * @param listener told each cycle's result, on this thread
   */
  public void run(Duration interval, Consumer<CycleResult> listener) {
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("interval " + interval + " must be positive");
    }
    // With a lease, its holder renews it and a standby agent asks for it every third of its time to live,
    // so that an agent takes over within the lease time of its holder's death.
    Duration poll = lease == null ? interval : min(interval, lease.ttl().dividedBy(3));
    Instant nextCycle = clock.instant();
    while (!Thread.currentThread().isInterrupted()) {
      Instant now = clock.instant();
      if (!now.isBefore(nextCycle)) {
        CycleResult r = runOnce();
        listener.accept(r);
        nextCycle = r.outcome() == CycleResult.Outcome.STANDBY ? r.start().plus(poll) : r.start().plus(interval);
      } else if (lease != null) {
        lease.renewQuietly();
      }
      Instant wake = min(nextCycle, clock.instant().plus(poll));
      long wait = Duration.between(clock.instant(), wake).toMillis();
      if (wait > 0) {
        try {
          Thread.sleep(wait);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private static Instant min(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }


  /** Returns why nothing needs saving, or empty when the group applied something since the newest archive. */
  private Optional<String> unchanged(Stages stages) throws IOException {
    StoredArchive newest = null;
    for (ArchiveStore s : destinations) {
      Optional<StoredArchive> n = s.list(group).newest();
      if (n.isPresent() && (newest == null || n.get().name().index() > newest.name().index())) {
        newest = n.get();
      }
    }
    if (newest == null) {
      return Optional.empty();
    }
    StatusClient.ServerReport leader = null;
    for (StatusClient.ServerReport r : new StatusClient(connection).report().servers()) {
      if (r.role() == RaftPeerRole.LEADER) {
        leader = r;
      }
    }
    if (leader == null) {
      throw new IOException("no leader answered; cannot tell whether the group changed");
    }
    // The index of the last application write or restore: archive entries (leases) do not count.
    long changed = leader.info() != null ? leader.info().stateIndex() : leader.appliedIndex();
    if (changed > newest.name().index()) {
      return Optional.empty();
    }
    stages.archive(newest.name().term(), newest.name().index(), 0);
    return Optional.of("nothing changed since " + newest.name().fileName() + " (the group's state is as of index "
        + Math.max(changed, 0) + ")");
  }


  /** Closes the destination stores. */
  @Override
  public void close() throws IOException {
    if (lease != null) {
      lease.releaseQuietly();
    }
    IOException first = null;
    try {
      scratch.close();
    } catch (IOException e) {
      first = e;
    }
    for (ArchiveStore s : destinations) {
      try {
        s.close();
      } catch (IOException e) {
        first = first == null ? e : first;
      }
    }
    if (first != null) {
      throw first;
    }
  }

  /** Configures a {@link BackupAgent}. */
  public static final class Builder {
    private final GroupConnection connection;
    private final List<ArchiveStore> destinations = new ArrayList<>();
    private RetentionPolicy retention;
    private int maxDeletes = 10;
    private Path scratch = Path.of(System.getProperty("java.io.tmpdir"));
    private ArchiveWriter writer = ArchiveWriter.newBuilder().build();
    private Clock clock = Clock.systemUTC();
    private String leaseHolder;
    private Duration leaseTtl;
    private boolean verifyUploads;

    private Builder(GroupConnection connection) {
      this.connection = Objects.requireNonNull(connection, "connection");
    }

    /**
     * Adds a store to publish every archive to; the agent closes it.
     *
     * @param store the store
     * @return this builder
     */
    public Builder destination(ArchiveStore store) {
      destinations.add(Objects.requireNonNull(store, "store"));
      return this;
    }

    /**
     * Sets the retention policy applied after each publish (default: none, keep everything).
     *
     * @param policy the policy
     * @return this builder
     */
    public Builder retention(RetentionPolicy policy) {
      this.retention = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /**
     * Sets the most archives retention deletes per destination and cycle (default 10).
     *
     * @param n at least 0
     * @return this builder
     */
    public Builder maxDeletes(int n) {
      if (n < 0) {
        throw new IllegalArgumentException("maxDeletes " + n);
      }
      this.maxDeletes = n;
      return this;
    }

    /**
     * Makes every cycle read each published archive back from its store and verify it whole (default: off;
     * the listing's size and digests are always checked). Costs one download per destination and cycle.
     *
     * @param verify whether to read back
     * @return this builder
     */
    public Builder verifyUploads(boolean verify) {
      this.verifyUploads = verify;
      return this;
    }

    /**
     * Sets the directory for the archive between save and publish (default: the temporary directory); the
     * agent works in its own {@code ratis-snapshot-agent-<group>} under it and, at its first cycle, removes
     * the temporary archives a killed agent of the group left there.
     *
     * @param directory created if missing
     * @return this builder
     */
    public Builder scratchDirectory(Path directory) {
      this.scratch = Objects.requireNonNull(directory, "directory");
      return this;
    }

    /**
     * Sets how archives are written (default: gzip level 6, one compressing thread per core).
     *
     * @param writer the writer
     * @return this builder
     */
    public Builder writer(ArchiveWriter writer) {
      this.writer = Objects.requireNonNull(writer, "writer");
      return this;
    }

    /**
     * Sets the clock for cycle times and schedules (tests use a fixed one).
     *
     * @param clock the clock
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Makes the agent hold the group's archiving lease (a {@code LEASE} entry in the group's own log) while it
     * archives, so that of several agents of one group only one archives at a time; the others stand by and
     * take over within {@code ttl} of the holder's death. The agent renews it every third of {@code ttl},
     * also during a cycle, and releases it when closed. Agents' clocks must agree to well within {@code ttl}.
     *
     * @param holder this agent's name, unique among the group's agents (such as host and process id)
     * @param ttl how long the lease outlives its last renewal, at least one second
     * @return this builder
     */
    public Builder lease(String holder, Duration ttl) {
      if (ttl.compareTo(Duration.ofSeconds(1)) < 0) {
        throw new IllegalArgumentException("lease time to live " + ttl + " is under a second");
      }
      this.leaseHolder = Objects.requireNonNull(holder, "holder");
      this.leaseTtl = ttl;
      return this;
    }

    /**
     * Builds the agent.
     *
     * @return the agent; the caller closes it
     * @throws IllegalStateException if no destination was added
     */
    public BackupAgent build() {
      if (destinations.isEmpty()) {
        throw new IllegalStateException("an agent needs at least one destination store");
      }
      return new BackupAgent(this);
    }
  }
}
