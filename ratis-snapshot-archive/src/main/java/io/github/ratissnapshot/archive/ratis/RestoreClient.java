package io.github.ratissnapshot.archive.ratis;

import io.github.ratissnapshot.archive.format.ArchiveException;
import io.github.ratissnapshot.archive.format.ArchiveReader;
import io.github.ratissnapshot.archive.format.ArchiveSummary;
import io.github.ratissnapshot.archive.ratis.ArchiveProtocol.RestoreStatus;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Restores an archive into a running group: Consul's {@code snapshot restore}. The archive travels
 * through the Raft log ({@code BEGIN}, {@code CHUNK}..., {@code COMMIT}), so every replica — followers,
 * listeners, peers that are down or restart meanwhile — stages the same bytes and ends in the same state.
 *
 * <p>All or nothing: each replica verifies the whole archive as soon as it has it; the client then asks
 * every server whether it is ready, and sends {@code COMMIT} only when no server reports a problem and a
 * majority of voters is ready. A corrupt archive, a transfer fault or a server that cannot stage (a full
 * disk) aborts the restore and every replica keeps its state; at {@code COMMIT} each replica swaps its
 * state at once. The group keeps its own membership. Application writes are refused while the restore
 * is open.
 *
 * <p>One restore at a time per instance; the caller closes it.
 */
public final class RestoreClient implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RestoreClient.class);

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
  private final RaftClient client;
  private final RaftClient probe;
  private final int chunkSize;
  private final int inFlight;
  private final Duration prepareTimeout;
  private final Duration silenceLimit;
  /** The restore this client is sending and has not committed yet, for {@link #abortInFlight()}. */
  private volatile UUID inFlightRestore;

  /** The outcome of a restore. */
  public record Result(UUID restoreId, String archiveId, long commitTerm, long commitIndex) {}

  private RestoreClient(Builder b) {
    this.connection = b.connection;
    this.client = connection.newClient();
    this.probe = connection.newClient(Duration.ofSeconds(5), 1);
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
   * @param progress told the archive bytes committed to the log so far, of the archive's size
   * @return the outcome
   * @throws ArchiveException if the archive is invalid (locally or, for the same reason, on the servers)
   * @throws RemoteArchiveException if the servers refused the restore for another reason
   * @throws IOException if the group cannot be reached or the outcome of COMMIT is unknown
   */
  public Result restore(Path file, TransferProgress progress) throws IOException {
    ArchiveSummary local;
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      local = ArchiveReader.defaults().verify(in);
    }
    byte[] metaJson = local.meta().toJson();
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
   * @param progress told the archive bytes committed to the log so far, of the archive's size
   * @return the outcome
   * @throws ArchiveException if the servers found the archive invalid
   * @throws RemoteArchiveException if the servers refused the restore for another reason
   * @throws IOException if the group cannot be reached or the outcome of COMMIT is unknown
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
  public java.util.Optional<UUID> abortOpenRestore() throws IOException {
    ByteString reply;
    try {
      reply = client.io().send(ArchiveProtocol.abort(ArchiveProtocol.ANY_RESTORE)).getMessage().getContent();
    } catch (IOException | RuntimeException e) {
      throw connection.unreachable("abort the open restore", e);
    }
    String id = ArchiveProtocol.body(reply).readUTF();
    return id.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(UUID.fromString(id));
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
    try {
      probe.close();
    } finally {
      client.close();
    }
  }

  private Result stream(InputStream archive, long archiveBytes, byte[] metaJson, TransferProgress progress)
      throws IOException {
    UUID id = UUID.randomUUID();
    inFlightRestore = id;
    boolean committing = false;
    try {
      write(ArchiveProtocol.begin(id, archiveBytes, metaJson), "begin restore " + id);
      MessageDigest sha = sha256();
      long chunks = sendChunks(id, new DigestInputStream(archive, sha), archiveBytes, progress);
      prepare(id);
      committing = true;
      inFlightRestore = null;
      return commit(id, chunks, sha.digest());
    } finally {
      if (!committing && inFlightRestore != null) {
        inFlightRestore = null;
        abortQuietly(id);
      }
    }
  }

  private long sendChunks(UUID id, InputStream in, long archiveBytes, TransferProgress progress) throws IOException {
    Semaphore slots = new Semaphore(inFlight);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    List<CompletableFuture<?>> pending = new ArrayList<>();
    long sent = 0;
    long seq = 0;
    try {
      while (sent < archiveBytes) {
        byte[] buf = new byte[(int) Math.min(chunkSize, archiveBytes - sent)];
        int n = in.readNBytes(buf, 0, buf.length);
        if (n < buf.length) {
          throw new IOException(String.format("the archive ended after %,d of its %,d bytes", sent + n,
              archiveBytes));
        }
        slots.acquire();
        if (failure.get() != null) {
          break;
        }
        long bytesSoFar = sent + n;
        CompletableFuture<?> f = client.async().send(ArchiveProtocol.chunk(id, seq, buf, n))
            .whenComplete((reply, e) -> {
              slots.release();
              Throwable t = e != null ? e : checkChunkReply(reply);
              if (t != null) {
                failure.compareAndSet(null, t);
              } else {
                progress.update(bytesSoFar, archiveBytes);
              }
            });
        pending.add(f);
        sent += n;
        seq++;
      }
      for (CompletableFuture<?> f : pending) {
        try {
          f.get();
        } catch (ExecutionException e) {
          failure.compareAndSet(null, e.getCause());
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while sending the archive");
    }
    Throwable t = failure.get();
    if (t != null) {
      if (t instanceof RemoteArchiveException r) {
        throw toLocal(r);
      }
      throw connection.unreachable("send restore " + id, t);
    }
    return seq;
  }

  /** Returns the failure a chunk reply reports, or null. */
  private static Throwable checkChunkReply(RaftClientReply reply) {
    try {
      RestoreStatus s = ArchiveProtocol.parseRestoreStatus(ArchiveProtocol.body(reply.getMessage().getContent()));
      if (s.stage() == RestoreSession.Stage.INVALID || s.stage() == RestoreSession.Stage.LOCAL_FAILURE) {
        return new RemoteArchiveException(s.problem(), "server " + reply.getServerId() + ": " + s.message());
      }
      return null;
    } catch (IOException e) {
      return e;
    }
  }

  /** Waits until every server has verified the archive, or one reports a problem, or time runs out. */
  private void prepare(UUID id) throws IOException {
    List<RaftPeer> peers = new ArrayList<>(connection.group().getPeers());
    long voters = peers.stream().filter(p -> p.getStartupRole() != RaftPeerRole.LISTENER).count();
    long start = System.nanoTime();
    long deadline = start + prepareTimeout.toNanos();
    Map<RaftPeer, RestoreStatus> last = new LinkedHashMap<>();
    Map<RaftPeer, Long> answered = new HashMap<>();
    while (true) {
      last.clear();
      for (RaftPeer p : peers) {
        RestoreStatus s = statusOf(id, p);
        if (s != null) {
          last.put(p, s);
          answered.put(p, System.nanoTime());
        }
      }
      for (Map.Entry<RaftPeer, RestoreStatus> e : last.entrySet()) {
        RestoreStatus s = e.getValue();
        if (s.stage() == RestoreSession.Stage.INVALID || s.stage() == RestoreSession.Stage.LOCAL_FAILURE) {
          throw toLocal(new RemoteArchiveException(s.problem(), "server " + e.getKey().getId() + ": "
              + s.message()));
        }
      }
      long readyVoters = last.entrySet().stream()
          .filter(e -> e.getKey().getStartupRole() != RaftPeerRole.LISTENER)
          .filter(e -> e.getValue().stage() == RestoreSession.Stage.READY).count();
      long ready = last.values().stream().filter(s -> s.stage() == RestoreSession.Stage.READY).count();
      if (ready == peers.size()) {
        return;
      }
      long now = System.nanoTime();
      List<RaftPeer> silent = peers.stream()
          .filter(p -> !last.containsKey(p) && now - answered.getOrDefault(p, start) >= silenceLimit.toNanos())
          .toList();
      if (readyVoters > voters / 2 && ready + silent.size() == peers.size()) {
        LOG.warn("restore {}: {} of {} servers ready, {} not answering for {}; committing, they catch up from the "
            + "log when they return", id, ready, peers.size(), silent.stream().map(RaftPeer::getId).toList(),
            silenceLimit);
        return;
      }
      if (System.nanoTime() > deadline) {
        if (readyVoters > voters / 2) {
          LOG.warn("restore {}: {} of {} servers ready after {}; committing, the others catch up from the log",
              id, ready, peers.size(), prepareTimeout);
          return;
        }
        throw new IOException("restore " + id + ": only " + readyVoters + " of " + voters
            + " voters verified the archive within " + prepareTimeout + "; restore aborted, the group keeps "
            + "its state");
      }
      sleep(200);
    }
  }

  /** Returns a server's status, or null if it does not answer. */
  private RestoreStatus statusOf(UUID id, RaftPeer peer) {
    try {
      RaftClientReply reply = probe.io().sendStaleRead(ArchiveProtocol.status(id), 0, peer.getId());
      return ArchiveProtocol.parseRestoreStatus(ArchiveProtocol.body(reply.getMessage().getContent()));
    } catch (IOException | RuntimeException e) {
      LOG.debug("restore {}: no status from {}: {}", id, peer.getId(), e.toString());
      return null;
    }
  }

  private Result commit(UUID id, long chunks, byte[] sha256) throws IOException {
    ByteString reply;
    try {
      reply = client.io().send(ArchiveProtocol.commit(id, chunks, sha256)).getMessage().getContent();
    } catch (IOException | RuntimeException e) {
      throw new IOException("the outcome of restore " + id + " is unknown: COMMIT failed to complete ("
          + e.getMessage() + "); inspect the group's state before retrying", e);
    }
    try {
      DataInputStream in = ArchiveProtocol.body(reply);
      long term = in.readLong();
      long index = in.readLong();
      String archiveId = in.readUTF();
      return new Result(id, archiveId, term, index);
    } catch (RemoteArchiveException e) {
      throw toLocal(e);
    }
  }

  private void write(Message m, String what) throws IOException {
    ByteString reply;
    try {
      reply = client.io().send(m).getMessage().getContent();
    } catch (IOException | RuntimeException e) {
      throw connection.unreachable(what, e);
    }
    try {
      ArchiveProtocol.body(reply);
    } catch (RemoteArchiveException e) {
      throw toLocal(e);
    }
  }

  private void abortQuietly(UUID id) {
    try {
      client.io().send(ArchiveProtocol.abort(id));
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

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  /** Configures a {@link RestoreClient}. */
  public static final class Builder {
    private final GroupConnection connection;
    private int chunkSize = DEFAULT_CHUNK;
    private int inFlight;
    private Duration prepareTimeout = Duration.ofMinutes(5);
    private Duration silenceLimit = Duration.ofSeconds(15);

    private Builder(GroupConnection connection) {
      this.connection = java.util.Objects.requireNonNull(connection, "connection");
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
     * Sets how long to wait for every server to verify the archive before deciding to commit (5 minutes by
     * default). When it runs out, the restore commits if a majority of the voters is ready, and fails and is
     * aborted otherwise.
     *
     * @param timeout positive
     * @return this builder
     */
    public Builder prepareTimeout(Duration timeout) {
      this.prepareTimeout = java.util.Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /**
     * Sets how long a server may not answer at all before the restore stops waiting for it (15 seconds by
     * default): once a majority of the voters is ready and every other server has been silent this long
     * (down, or cut off), the restore commits without waiting for {@link #prepareTimeout}; those servers
     * replay the restore from the log when they return. Servers that answer but are still verifying are
     * waited for up to the prepare timeout.
     *
     * @param limit positive
     * @return this builder
     */
    public Builder silenceLimit(Duration limit) {
      this.silenceLimit = java.util.Objects.requireNonNull(limit, "limit");
      return this;
    }

    /** Returns the client. */
    public RestoreClient build() {
      return new RestoreClient(this);
    }
  }
}
