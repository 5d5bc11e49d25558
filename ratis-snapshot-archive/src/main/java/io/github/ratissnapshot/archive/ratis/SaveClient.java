package io.github.ratissnapshot.archive.ratis;

import io.github.ratissnapshot.archive.format.ArchiveSummary;
import io.github.ratissnapshot.archive.format.ArchiveWriter;
import io.github.ratissnapshot.archive.ratis.ArchiveProtocol.PinInfo;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.MD5FileUtil;

/**
 * Takes an archive of a running group from outside it: Consul's {@code snapshot save}. It asks one server
 * for a fresh snapshot, pins the snapshot file there, pulls it in chunks with read-only queries addressed
 * to that server, checks its MD5 against the server's {@code .md5}, and builds the archive locally while
 * the bytes stream in.
 *
 * <p>One save at a time per instance; the caller closes it.
 */
public final class SaveClient implements AutoCloseable {
  /** The bytes pulled per query. */
  static final int CHUNK = 4 << 20;
  private static final int IN_FLIGHT = 4;

  private final GroupConnection connection;
  private final RaftClient client;
  private final java.util.concurrent.ExecutorService readers =
      java.util.concurrent.Executors.newFixedThreadPool(IN_FLIGHT, r -> {
        Thread t = new Thread(r, "snapshot-pull");
        t.setDaemon(true);
        return t;
      });

  /**
   * Creates a client for a group.
   *
   * @param connection how to reach the group
   */
  public SaveClient(GroupConnection connection) {
    this.connection = connection;
    this.client = connection.newClient();
  }

  /**
   * Saves an archive of the group's state.
   *
   * @param server the server to snapshot, or {@code null} for the leader
   * @param out where the archive goes; not closed
   * @param writer the archive writer
   * @param progress told the state bytes received so far, of the snapshot's size
   * @return the archive's summary
   * @throws IOException if the group cannot be reached, the snapshot fails, or the bytes received do not
   *     match the server's MD5; the bytes written to {@code out} must then be discarded
   */
  public ArchiveSummary save(RaftPeerId server, OutputStream out, ArchiveWriter writer, TransferProgress progress)
      throws IOException {
    RaftClientReply snap;
    try {
      if (server == null) {
        // The snapshot API sends to the client's idea of the leader, which is the first peer until a reply
        // says otherwise, and servers take the snapshot without checking that they lead: learn the leader first.
        client.io().sendReadOnly(ArchiveProtocol.status(ArchiveProtocol.ANY_RESTORE));
      }
      snap = (server == null ? client.getSnapshotManagementApi() : client.getSnapshotManagementApi(server))
          .create(1, connection.requestTimeout().toMillis());
    } catch (IOException | RuntimeException e) {
      throw connection.unreachable("take a snapshot", e);
    }
    if (!snap.isSuccess()) {
      throw new IOException("server " + snap.getServerId() + " failed to take a snapshot: "
          + snap.getException());
    }
    RaftPeerId target = snap.getServerId();
    PinInfo pin;
    try {
      pin = ArchiveProtocol.parsePinInfo(body(query(ArchiveProtocol.pin(target.toString()), target)));
    } catch (RemoteArchiveException e) {
      throw new IOException("server " + target + " cannot provide its snapshot: " + e.getMessage(), e);
    }
    if (snap.getLogIndex() < 0 || pin.index() < snap.getLogIndex()) {
      // No snapshot was taken now: the pinned one is older than the state the save must cover.
      releaseQuietly(pin, target);
      throw new IOException("server " + target + " took no snapshot (it answered index " + snap.getLogIndex()
          + "; its latest is at " + pin.index() + ")");
    }
    try (PulledState state = new PulledState(target, pin, progress)) {
      var meta = io.github.ratissnapshot.archive.format.SnapshotMeta.of(pin.term(), pin.index(),
          pin.configuration(), pin.configurationIndex(), pin.size(), Instant.now());
      return writer.write(out, meta, state);
    }
  }

  /** Closes the underlying Ratis client. */
  @Override
  public void close() throws IOException {
    readers.shutdownNow();
    client.close();
  }

  private ByteString query(Message m, RaftPeerId target) throws IOException {
    try {
      return client.io().sendStaleRead(m, 0, target).getMessage().getContent();
    } catch (IOException | RuntimeException e) {
      throw connection.unreachable("read from server " + target, e);
    }
  }

  private static DataInputStream body(ByteString reply) throws IOException {
    return ArchiveProtocol.body(reply);
  }

  /** The pinned file as a stream, read ahead with several queries in flight and checked against its MD5. */
  private final class PulledState extends InputStream {
    private final RaftPeerId target;
    private final PinInfo pin;
    private final TransferProgress progress;
    private final MessageDigest md5 = MD5FileUtil.newMD5();
    private final ArrayDeque<CompletableFuture<RaftClientReply>> inFlight = new ArrayDeque<>();
    private long requested;
    private long received;
    private ByteString current = ByteString.EMPTY;
    private int pos;
    private boolean checked;

    PulledState(RaftPeerId target, PinInfo pin, TransferProgress progress) {
      this.target = target;
      this.pin = pin;
      this.progress = progress;
      fillPipeline();
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      while (pos == current.size()) {
        if (inFlight.isEmpty()) {
          checkDigest();
          return -1;
        }
        current = nextChunk();
        pos = 0;
      }
      int n = Math.min(len, current.size() - pos);
      current.copyTo(b, pos, off, n);
      pos += n;
      return n;
    }

    private ByteString nextChunk() throws IOException {
      RaftClientReply reply;
      try {
        reply = inFlight.poll().get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("interrupted while pulling the snapshot");
      } catch (ExecutionException e) {
        throw connection.unreachable("read the snapshot from server " + target, e.getCause());
      }
      ByteString content = reply.getMessage().getContent();
      if (content.isEmpty() || content.byteAt(0) != ArchiveProtocol.OK) {
        ArchiveProtocol.body(content); // throws the server's error
      }
      ByteString bytes = content.substring(1);
      if (bytes.isEmpty()) {
        throw new IOException(String.format("server %s sent no bytes at offset %,d of its %,d-byte snapshot",
            target, received, pin.size()));
      }
      for (java.nio.ByteBuffer buf : bytes.asReadOnlyByteBufferList()) {
        md5.update(buf);
      }
      received += bytes.size();
      progress.update(received, pin.size());
      fillPipeline();
      return bytes;
    }

    private void fillPipeline() {
      while (inFlight.size() < IN_FLIGHT && requested < pin.size()) {
        int n = (int) Math.min(CHUNK, pin.size() - requested);
        Message read = ArchiveProtocol.read(pin.pinId(), requested, n);
        inFlight.add(CompletableFuture.supplyAsync(() -> {
          try {
            return client.io().sendStaleRead(read, 0, target);
          } catch (IOException e) {
            throw new java.util.concurrent.CompletionException(e);
          }
        }, readers));
        requested += n;
      }
    }

    private void checkDigest() throws IOException {
      if (checked) {
        return;
      }
      checked = true;
      if (pin.md5Hex() != null) {
        String actual = HexFormat.of().formatHex(md5.digest());
        if (!actual.equals(pin.md5Hex())) {
          throw new IOException("snapshot pulled from " + target + " is corrupt: MD5 " + actual + " != "
              + pin.md5Hex() + " recorded by the server");
        }
      }
    }

    @Override
    public void close() {
      for (CompletableFuture<RaftClientReply> f : inFlight) {
        f.cancel(true);
      }
      releaseQuietly(pin, target);
    }
  }

  private void releaseQuietly(PinInfo pin, RaftPeerId target) {
    try {
      client.io().sendStaleRead(ArchiveProtocol.release(pin.pinId()), 0, target);
    } catch (IOException | RuntimeException ignored) {
      // the pin expires on the server by itself
    }
  }
}
