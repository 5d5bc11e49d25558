package io.github.ratissnapshot.archive.ratis.client;

import io.github.ratissnapshot.archive.format.ArchiveException;
import io.github.ratissnapshot.archive.format.ArchiveReader;
import io.github.ratissnapshot.archive.format.ArchiveSummary;
import io.github.ratissnapshot.archive.format.Digests;
import io.github.ratissnapshot.archive.ratis.protocol.ArchiveProtocol;
import io.github.ratissnapshot.archive.ratis.protocol.Membership;
import io.github.ratissnapshot.archive.ratis.protocol.RemoteArchiveException;
import io.github.ratissnapshot.archive.ratis.protocol.RemoteProblem;
import io.github.ratissnapshot.archive.ratis.protocol.Replies;
import io.github.ratissnapshot.archive.ratis.protocol.RestoreOutcome;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Restores an archive into a running group: Consul's {@code snapshot restore}. The archive travels
 * through the Raft log ({@code BEGIN}, {@code CHUNK}..., {@code COMMIT}), so every replica — followers,
 * listeners, peers that are down or restart meanwhile — stages the same bytes and ends in the same state.
 *
 * <p>All or nothing: each replica verifies the whole archive as soon as it has it. The client then polls
 * every member of the group's configuration as the leader reports it (whatever subset of servers the
 * connection names) and commits by the rule of its commit gate: no member reports a problem, and every
 * member is ready, or a majority of the voters is ready and the rest are silent. Listeners never count
 * toward the majority. At {@code COMMIT} every replica checks that the configuration in force is the one the
 * client counted (else the client counts again) and swaps its state at once. A corrupt archive, a transfer
 * fault or a member that cannot stage it (a full disk) aborts the restore and every replica keeps its state.
 * The group keeps its own membership. Application writes are refused while the restore is open. When Ratis
 * closes the client's connection (a leader killed), the client connects again and goes on.
 *
 * <p>One restore at a time per instance; the caller closes it.
 */
public final class RestoreClient implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RestoreClient.class);
  private static final long POLL_MILLIS = 200;
  private static final int COMMIT_ATTEMPTS = 5;

  /**
   * The default bytes of archive per log entry: 1 MiB, under half of Ratis's default 4 MB entry limit
   * ({@code raft.server.log.appender.buffer.byte-limit}). Ratis 3.3.0 cannot reopen, after a crash, an open
   * log segment whose last entry is larger than half that limit and is followed by preallocated space
   * ("Failed to initRaftLog": "Resetting to invalid mark"), so larger chunks can keep a server that was
   * killed during a restore from starting again.
   */
  public static final int DEFAULT_CHUNK = 1024 * 1024;

  /**
   * The most chunks in flight by default: 24 MiB of archive keeps the log busy on loopback (a 1 GiB restore
   * on 3 nodes took 1.90 times an InstallSnapshot with 8 in flight, 1.63 times with 24). Fewer are used
   * when the heap is small; see {@link Builder#inFlight(int)}.
   */
  public static final int DEFAULT_IN_FLIGHT = 24;

  private final GroupConnection connection;
  private final ReconnectingClient clients;
  private final int chunkSize;
  private final int inFlight;
  private final Duration prepareTimeout;
  private final Duration silenceLimit;
  /** The restore this client is sending and has not committed yet, for {@link #abortInFlight()}. */
  private volatile UUID inFlightRestore;

  /**
   * The outcome of a restore.
   *
   * @param restoreId the restore
   * @param archiveId the archive's {@code ID}
   * @param commitTerm the term of the {@code COMMIT} entry
   * @param commitIndex the index of the {@code COMMIT} entry: the archive's state is the state there
   * @param membership the group's membership the commit gate counted
   * @param ready the members that had verified the archive when it committed (the others replay it)
   */
  public record Result(UUID restoreId, String archiveId, long commitTerm, long commitIndex, Membership membership,
      Set<String> ready) {}

  private RestoreClient(Builder b) {
    this.connection = b.connection;
    this.clients = new ReconnectingClient(connection, b.reconnects);
    this.chunkSize = b.chunkSize;
    this.inFlight = b.inFlight > 0 ? b.inFlight : defaultInFlight(chunkSize, Runtime.getRuntime().maxMemory());
    this.prepareTimeout = b.prepareTimeout;
    this.silenceLimit = b.silenceLimit;
  }

  /**
   * Returns how many chunks of {@code chunkSize} bytes may be in flight by default with a heap of
   * {@code maxHeap} bytes: {@link #DEFAULT_IN_FLIGHT}, or fewer so that they take at most an eighth of the
   * heap (a chunk in flight is held about three times over: the bytes, the message, the gRPC buffer), and at
   * least 2.
   */
  static int defaultInFlight(int chunkSize, long maxHeap) {
    return (int) Math.max(2, Math.min(DEFAULT_IN_FLIGHT, maxHeap / 8 / chunkSize));
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
   * Verifies the archive in {@code file} locally, then restores it. An invalid archive fails here,
   * before the group is touched.
   *
   * @param file the archive
   * @param progress told the archive bytes committed to the log so far, of the archive's size, in order, on
   *     the calling thread
   * @return the outcome
   * @throws ArchiveException if the archive is invalid (locally or, for the same reason, on the servers)
   * @throws RemoteArchiveException if the servers refused the restore for another reason
   * @throws RestoreOutcomeUnknownException if contact was lost after {@code COMMIT} was sent
   * @throws IOException if the group cannot be reached; the restore was aborted
   */
  public Result restore(Path file, TransferProgress progress) throws IOException {
    ArchiveSummary local;
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      local = ArchiveReader.defaults().verify(in);
    }
    return restoreVerified(file, local, progress);
  }

  /**
   * Restores an archive the caller has just verified in full (as {@code restore --latest} does while it
   * chooses one), without reading it a second time first; the servers verify what they stage as always.
   *
   * @param file the archive
   * @param verified what {@link ArchiveReader#verify} returned for it
   * @param progress as for {@link #restore(Path, TransferProgress)}
   * @return the outcome
   * @throws IOException as for {@link #restore(Path, TransferProgress)}
   */
  public Result restoreVerified(Path file, ArchiveSummary verified, TransferProgress progress) throws IOException {
    byte[] metaJson = verified.meta().toJson();
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 20)) {
      return stream(in, Files.size(file), metaJson, progress);
    }
  }

  /**
   * Restores an archive from a stream without verifying it first; the servers verify it. Used for
   * archives that arrive over a pipe, and to test the servers' own checks.
   *
   * @param archive the archive; read to {@code archiveBytes}; not closed
   * @param archiveBytes its exact size
   * @param progress told the archive bytes committed to the log so far, in order, on the calling thread
   * @return the outcome
   * @throws ArchiveException if the servers found the archive invalid
   * @throws RemoteArchiveException if the servers refused the restore for another reason
   * @throws RestoreOutcomeUnknownException if contact was lost after {@code COMMIT} was sent
   * @throws IOException if the group cannot be reached; the restore was aborted
   */
  public Result restoreUnverified(InputStream archive, long archiveBytes, TransferProgress progress)
      throws IOException {
    return stream(archive, archiveBytes, new byte[0], progress);
  }

  /**
   * Aborts whatever restore is open in the group, for example one whose client died before it could
   * commit or abort (the group refuses application writes until it ends). Every replica keeps its state.
   *
   * @return the id of the restore aborted, or empty if none was open
   * @throws IOException if the group cannot be reached
   */
  public Optional<UUID> abortOpenRestore() throws IOException {
    RaftClientReply reply;
    try {
      reply = clients.call(c -> c.io().send(ArchiveProtocol.abort(ArchiveProtocol.ANY_RESTORE)));
    } catch (IOException | RuntimeException e) {
      throw connection.unreachable("abort the open restore", e);
    }
    String id = Replies.parseText(reply.getMessage().getContent(), reply.getServerId());
    return Optional.ofNullable(id).map(UUID::fromString);
  }

  /**
   * Aborts the restore this client is sending, if it has not sent {@code COMMIT} yet; for a process that is
   * being stopped (a shutdown hook), so that the group does not stay in restore. Safe from any thread.
   */
  public void abortInFlight() {
    UUID id = inFlightRestore;
    if (id != null) {
      inFlightRestore = null;
      abortQuietly(id);
    }
  }

  /** Closes the underlying Ratis clients. */
  @Override
  public void close() throws IOException {
    clients.close();
  }

  /** Returns the connection in use, for tests that inject a closed connection. */
  ReconnectingClient clients() {
    return clients;
  }

  private Result stream(InputStream archive, long archiveBytes, byte[] metaJson, TransferProgress progress)
      throws IOException {
    UUID id = UUID.randomUUID();
    inFlightRestore = id;
    try (GroupProbe probe = new GroupProbe(connection)) {
      write(ArchiveProtocol.begin(id, archiveBytes, metaJson), "begin restore", id);
      MessageDigest sha = Digests.sha256();
      long chunks = new ChunkSender(clients, connection, id, chunkSize, inFlight)
          .send(new DigestInputStream(archive, sha), archiveBytes, progress);
      byte[] digest = sha.digest();
      for (int attempt = 1; ; attempt++) {
        CommitGate.Decision gate = awaitGate(id, probe, progress);
        Membership membership = probe.lastMembership();
        progress.phase(TransferProgress.Stage.COMMIT, "committing (" + String.join(", ", new TreeSet<>(gate.ready())) + " ready)");
        inFlightRestore = null; // from here the outcome is the group's: never abort a COMMIT that may apply
        Optional<RestoreOutcome> committed = commit(id, chunks, digest, membership);
        if (committed.isPresent()) {
          RestoreOutcome o = committed.get();
          return new Result(id, o.archiveId(), o.term(), o.index(), membership, gate.ready());
        }
        if (attempt == COMMIT_ATTEMPTS) {
          throw new IOException("restore " + id + ": the group's configuration kept changing during "
              + COMMIT_ATTEMPTS + " commits; the restore stays open until aborted (restore --abort)");
        }
        inFlightRestore = id; // the servers refused this COMMIT and kept the restore open: count again
      }
    } catch (RemoteArchiveException e) {
      throw toLocal(e);
    } finally {
      if (inFlightRestore != null) {
        inFlightRestore = null;
        abortQuietly(id);
      }
    }
  }

  /** Polls the members until the commit gate lets the restore commit; throws if it aborts. */
  private CommitGate.Decision awaitGate(UUID id, GroupProbe probe, TransferProgress progress) throws IOException {
    long start = System.nanoTime();
    CommitGate.Timing timing = new CommitGate.Timing(start, start + prepareTimeout.toNanos(), silenceLimit);
    Map<String, Long> lastAnswers = new HashMap<>();
    while (true) {
      GroupProbe.Round round = probe.poll(id);
      long now = System.nanoTime();
      round.statuses().keySet().forEach(server -> lastAnswers.put(server, now));
      CommitGate.Decision d = CommitGate.decide(probe.lastMembership(), round.statuses(), lastAnswers, now, timing);
      progress.phase(TransferProgress.Stage.VERIFY, RestoreStages.describe(probe.lastMembership(), round.statuses()));
      switch (d.verdict()) {
        case COMMIT:
          if (!d.note().isEmpty()) {
            LOG.warn("restore {}: committing with {} ready: {}", id, d.ready(), d.note());
          }
          return d;
        case ABORT:
          throw d.failure();
        default:
          sleep(POLL_MILLIS);
      }
    }
  }

  /** Sends COMMIT; returns the outcome, or empty if the configuration changed and the gate must count again. */
  private Optional<RestoreOutcome> commit(UUID id, long chunks, byte[] sha256, Membership membership)
      throws IOException {
    RaftClientReply reply;
    try {
      reply = sendUntilAppended(ArchiveProtocol.commit(id, chunks, sha256, membership.canonical()), "COMMIT", id);
    } catch (IOException | RuntimeException e) {
      throw new RestoreOutcomeUnknownException(id, e);
    }
    try {
      return Optional.of(RestoreOutcome.parseCommitReply(reply.getMessage().getContent(), id, reply.getServerId()));
    } catch (RemoteArchiveException e) {
      if (e.problem() == RemoteProblem.CONFIGURATION_CHANGED) {
        LOG.info("restore {}: {}; counting the members again", id, e.getMessage());
        return Optional.empty();
      }
      throw e;
    }
  }

  private void write(Message m, String what, UUID id) throws IOException {
    RaftClientReply reply;
    try {
      reply = sendUntilAppended(m, what, id);
    } catch (IOException | RuntimeException e) {
      throw connection.unreachable(what + " " + id, e);
    }
    Replies.check(reply.getMessage().getContent(), reply.getServerId());
  }

  /**
   * Sends a write, again while Ratis answers that it did not append it (the leader is handing over, is no
   * longer leading or is not ready yet), pausing as {@link NotAppendedBackoff} says. Only for writes the servers
   * take harmlessly twice: {@code BEGIN} of an id already begun, {@code COMMIT}, which answers a second
   * time with the first one's outcome, and {@code ABORT}, which finds nothing open the second time.
   *
   * @return the reply of the send that was appended
   * @throws IOException any other failure at once, or the last "not appended" one after the limit
   */
  private RaftClientReply sendUntilAppended(Message m, String what, UUID id) throws IOException {
    NotAppendedBackoff backoff = new NotAppendedBackoff();
    while (true) {
      try {
        return clients.call(c -> c.io().send(m));
      } catch (IOException | RuntimeException e) {
        if (!Causes.isNotAppended(e)) {
          throw e;
        }
        LOG.info("restore {}: {} was not appended ({}); sending it again", id, what, Causes.message(e));
        if (!backoff.pause()) {
          throw e;
        }
      }
    }
  }

  /**
   * Sends ABORT, again while Ratis answers that it did not append it (as {@link #sendUntilAppended}: ABORT is
   * harmless twice): a restore that gave up because the leader kept refusing writes must not leave the group
   * refusing application writes once the leader takes them again.
   */
  private void abortQuietly(UUID id) {
    try {
      sendUntilAppended(ArchiveProtocol.abort(id), "ABORT", id);
    } catch (IOException | RuntimeException e) {
      LOG.warn("restore {}: failed to send ABORT ({}); the next restore replaces it", id, e.toString());
    }
  }

  /** Turns a server's verdict on the archive itself into the local archive exception type. */
  private static IOException toLocal(RemoteArchiveException e) {
    return e.archiveProblem().<IOException>map(p -> new ArchiveException(p,
        "the servers rejected the archive: " + e.getMessage(), e)).orElse(e);
  }

  private static void sleep(long millis) throws InterruptedIOException {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted");
    }
  }

  /** Configures a {@link RestoreClient}. */
  public static final class Builder {
    private final GroupConnection connection;
    private int chunkSize = DEFAULT_CHUNK;
    private int inFlight;
    private int reconnects = 10;
    private Duration prepareTimeout = Duration.ofMinutes(5);
    private Duration silenceLimit = Duration.ofSeconds(15);

    private Builder(GroupConnection connection) {
      this.connection = Objects.requireNonNull(connection, "connection");
    }

    /**
     * Sets the archive bytes per log entry; it must stay under half the servers'
     * {@code raft.server.log.appender.buffer.byte-limit} (4 MB by default) with room for headers, or a
     * server killed while appending chunks may fail to start again (see {@link #DEFAULT_CHUNK}).
     *
     * @param bytes at least 1
     * @return this builder
     */
    public Builder chunkSize(int bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("chunk size must be at least 1, got " + bytes);
      }
      this.chunkSize = bytes;
      return this;
    }

    /**
     * Sets how many chunks may be in flight at once; by default {@link #DEFAULT_IN_FLIGHT}, or fewer when
     * they would take more than an eighth of the heap (7 at {@code -Xmx64m} with 1 MiB chunks).
     *
     * @param n at least 1
     * @return this builder
     */
    public Builder inFlight(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("in-flight must be at least 1, got " + n);
      }
      this.inFlight = n;
      return this;
    }

    /**
     * Sets how many times a restore connects to the group again after Ratis closed its connection (10 by
     * default); each attempt also has the connection's own retries.
     *
     * @param n at least 0
     * @return this builder
     */
    public Builder reconnects(int n) {
      if (n < 0) {
        throw new IllegalArgumentException("reconnects must be at least 0, got " + n);
      }
      this.reconnects = n;
      return this;
    }

    /**
     * Sets how long to wait for every member to verify the archive before deciding to commit (5 minutes by
     * default). When it runs out, the restore commits if a majority of the voters is ready, and fails and is
     * aborted otherwise.
     *
     * @param timeout positive
     * @return this builder
     */
    public Builder prepareTimeout(Duration timeout) {
      this.prepareTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /**
     * Sets how long a member may not answer at all before the restore stops waiting for it (15 seconds by
     * default): once a majority of the voters is ready and every other member has been silent this long
     * (down, or cut off), the restore commits without waiting for {@link #prepareTimeout}; those servers
     * replay the restore from the log when they return. Members that answer but are still verifying are
     * waited for up to the prepare timeout.
     *
     * @param limit positive
     * @return this builder
     */
    public Builder silenceLimit(Duration limit) {
      this.silenceLimit = Objects.requireNonNull(limit, "limit");
      return this;
    }

    /**
     * Returns the client.
     *
     * @return a client with its own Ratis connection, which the caller closes
     */
    public RestoreClient build() {
      return new RestoreClient(this);
    }
  }
}
