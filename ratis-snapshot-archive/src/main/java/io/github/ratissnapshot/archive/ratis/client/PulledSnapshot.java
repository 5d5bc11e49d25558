package io.github.ratissnapshot.archive.ratis.client;

import io.github.ratissnapshot.archive.format.DeflatedState;
import io.github.ratissnapshot.archive.format.Digests;
import io.github.ratissnapshot.archive.format.SnapshotMeta;
import io.github.ratissnapshot.archive.format.VouchedDeflatedState;
import io.github.ratissnapshot.archive.ratis.protocol.ArchiveProtocol;
import io.github.ratissnapshot.archive.ratis.protocol.PinInfo;
import io.github.ratissnapshot.archive.ratis.protocol.RemoteArchiveException;
import io.github.ratissnapshot.archive.ratis.protocol.RemoteProblem;
import io.github.ratissnapshot.archive.ratis.protocol.Replies;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * A snapshot file pinned on a server, as a stream: read ahead in chunks with several read-only queries in
 * flight, checked against the server's MD5 at the end, released on close. Progress is reported from the
 * reading thread, in order.
 *
 * <p>Pulled either as it is ({@code READ}, read through this stream) or compressed by the server
 * ({@code DEFLATE}, read through {@link #deflated()}); the MD5 is of the state bytes either way, inflated by
 * the archive writer in the second case. Or compressed and vouched for ({@code DEFLATE} with CRC-32s, read
 * through {@link #vouched()}): the server's CRC-32 of each range and SHA-256 of the file go into the archive,
 * nothing is inflated here and the MD5 is not checked; the archive must be verified once written.
 *
 * <p>A server that restarts, stops answering or lets the pin expire mid-pull fails the read with a
 * {@link SnapshotLostException}.
 *
 * <p>Not thread-safe: one reader.
 */
final class PulledSnapshot extends InputStream {
  /**
   * How a pull reads: bytes per query and queries in flight.
   *
   * @param chunk bytes per query
   * @param inFlight queries in flight
   */
  record Window(int chunk, int inFlight) {
    /** 4 MiB x 4 in flight: for heaps of 1 GiB and more. */
    static final Window LARGE = new Window(4 << 20, 4);
    /**
     * 256 KiB x 8 in flight: for smaller heaps. Each reply's bytes land in one array; at 4 MiB it is a G1
     * "humongous" object in any heap under 16 GiB, and in a 64 MiB heap, with the compressing threads often
     * inside zlib (which holds off the collector), those allocations stalled and the JVM printed "Retried
     * waiting for GCLocker too often" on standard output, dozens of times per save. At 256 KiB it prints
     * nothing; the save takes as long (at 64 MiB a pull costs about 2.5 times the CPU it costs in a large heap,
     * at either size).
     */
    static final Window SMALL_HEAP = new Window(256 << 10, 8);

    /** Returns the window for a heap of at most {@code maxHeap} bytes. */
    static Window forHeap(long maxHeap) {
      return maxHeap >= (1L << 30) ? LARGE : SMALL_HEAP;
    }
  }

  private final ReconnectingClient clients;
  private final GroupConnection connection;
  private final ExecutorService readers;
  private final Window window;
  private final RaftPeerId target;
  private final PinInfo pin;
  private final TransferProgress progress;
  private final int level;
  private final boolean withCrc;
  private final MessageDigest md5 = Digests.md5();
  private final ArrayDeque<Query> inFlight = new ArrayDeque<>();

  /** A query in flight: how many state bytes its range holds, and its reply to come. */
  private record Query(int length, CompletableFuture<RaftClientReply> reply) {}
  private long requested;
  private long received;
  private ByteString current = ByteString.EMPTY;
  private int pos;
  private boolean checked;
  /** Whether a read showed the pin gone or its server not answering: then there is nothing to release. */
  private boolean lost;

  /**
   * Starts pulling.
   *
   * @param level the deflate level the server compresses at, or -1 to pull the bytes as they are
   * @param withCrc whether to ask for each range's CRC-32, to read through {@link #vouched()}; only with a
   *     level, from a server whose pin carries a SHA-256
   */
  PulledSnapshot(ReconnectingClient clients, GroupConnection connection, ExecutorService readers, Window window,
      RaftPeerId target, PinInfo pin, TransferProgress progress, int level, boolean withCrc) {
    if (withCrc && (level < 0 || pin.sha256Hex() == null)) {
      throw new IllegalArgumentException("CRC-32s are for a compressed pull of a snapshot with a SHA-256");
    }
    this.clients = clients;
    this.connection = connection;
    this.readers = readers;
    this.window = window;
    this.target = target;
    this.pin = pin;
    this.progress = progress;
    this.level = level;
    this.withCrc = withCrc;
    fillPipeline();
  }

  /** Returns the metadata of an archive of this snapshot, made at {@code created}. */
  SnapshotMeta meta(Instant created) {
    return SnapshotMeta.of(pin.term(), pin.index(), pin.configuration(), pin.configurationIndex(), pin.size(),
        created);
  }

  /** Returns whether the server compresses what it sends. */
  boolean compressed() {
    return level >= 0;
  }

  /**
   * Returns the compressed state, for a pull the server compresses.
   *
   * @throws IllegalStateException for a pull of the bytes as they are
   */
  DeflatedState deflated() {
    if (!compressed() || withCrc) {
      throw new IllegalStateException("the snapshot is pulled " + (withCrc ? "with CRC-32s" : "as it is"));
    }
    return new DeflatedState() {
      @Override
      public ByteBuffer nextSegment() throws IOException {
        if (inFlight.isEmpty()) {
          checkDigest();
          return null;
        }
        return nextChunk().asReadOnlyByteBuffer();
      }

      @Override
      public void inflated(byte[] b, int off, int len) {
        counted(b, off, len);
      }
    };
  }

  /** Returns whether the pull asks for CRC-32s, to be read through {@link #vouched()}. */
  boolean withCrc() {
    return withCrc;
  }

  /**
   * Returns the compressed state with the CRC-32 of each range and the SHA-256 of the file, as the server
   * vouches for them, for a pull with CRC-32s.
   *
   * @throws IllegalStateException for another pull
   */
  VouchedDeflatedState vouched() {
    if (!withCrc) {
      throw new IllegalStateException("the snapshot is not pulled with CRC-32s");
    }
    byte[] sha256 = HexFormat.of().parseHex(pin.sha256Hex());
    return new VouchedDeflatedState() {
      @Override
      public Segment nextSegment() throws IOException {
        if (inFlight.isEmpty()) {
          return null;
        }
        long offset = received;
        int length = inFlight.peek().length();
        ByteString reply = nextChunk();
        if (reply.size() < Integer.BYTES) {
          throw new IOException(String.format("server %s sent no CRC-32 with the range at offset %,d of its "
              + "%,d-byte snapshot", target, offset, pin.size()));
        }
        int crc = reply.substring(0, Integer.BYTES).asReadOnlyByteBuffer().getInt();
        received += length;
        progress.update(received, pin.size());
        return new Segment(reply.substring(Integer.BYTES).asReadOnlyByteBuffer(), length, crc);
      }

      @Override
      public byte[] sha256() {
        return sha256.clone();
      }
    };
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (compressed()) {
      throw new IllegalStateException("the snapshot is pulled compressed: read it through deflated()");
    }
    while (pos == current.size()) {
      if (inFlight.isEmpty()) {
        checkDigest();
        return -1;
      }
      current = nextChunk();
      pos = 0;
    }
    int n = Math.min(len, current.size() - pos);
    current.substring(pos, pos + n).copyTo(b, off); // a view, not a copy
    pos += n;
    return n;
  }

  @Override
  public void close() {
    for (Query q : inFlight) {
      q.reply().cancel(true);
    }
    if (!lost) { // a lost pin needs no release, and a server that stopped answering would hold this up
      release(clients, pin, target);
    }
  }

  /** Releases a pin; a failure is harmless, the pin expires on the server by itself. */
  static void release(ReconnectingClient clients, PinInfo pin, RaftPeerId target) {
    try {
      clients.call(c -> c.io().sendStaleRead(ArchiveProtocol.release(pin.pinId()), 0, target));
    } catch (IOException | RuntimeException ignored) {
      // the pin expires on the server by itself
    }
  }

  private ByteString nextChunk() throws IOException {
    RaftClientReply reply;
    try {
      reply = inFlight.poll().reply().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while pulling the snapshot");
    } catch (ExecutionException e) {
      lost = true;
      throw new SnapshotLostException(target, connection.unreachable("read the snapshot from server " + target,
          e.getCause()).getMessage(), e.getCause());
    }
    ByteString bytes;
    try {
      bytes = Replies.rawBody(reply.getMessage().getContent(), target);
    } catch (RemoteArchiveException e) {
      if (e.problem() == RemoteProblem.NO_SUCH_PIN) {
        lost = true;
        throw new SnapshotLostException(target, "server " + target + " lost the snapshot being pulled: "
            + e.getMessage(), e);
      }
      throw e;
    }
    if (bytes.isEmpty()) {
      throw new IOException(String.format("server %s sent no bytes at offset %,d of its %,d-byte snapshot",
          target, received, pin.size()));
    }
    if (!compressed()) {
      for (ByteBuffer buf : bytes.asReadOnlyByteBufferList()) {
        md5.update(buf);
      }
      received += bytes.size();
      progress.update(received, pin.size());
    }
    fillPipeline();
    return bytes;
  }

  /** Counts state bytes the archive writer inflated. */
  private void counted(byte[] b, int off, int len) {
    md5.update(b, off, len);
    received += len;
    progress.update(received, pin.size());
  }

  private void fillPipeline() {
    while (inFlight.size() < window.inFlight() && requested < pin.size()) {
      int n = (int) Math.min(window.chunk(), pin.size() - requested);
      Message read = compressed() ? ArchiveProtocol.deflate(pin.pinId(), requested, n, level, withCrc)
          : ArchiveProtocol.read(pin.pinId(), requested, n);
      inFlight.add(new Query(n, CompletableFuture.supplyAsync(() -> {
        try {
          return clients.call(c -> c.io().sendStaleRead(read, 0, target));
        } catch (IOException e) {
          throw new CompletionException(e);
        }
      }, readers)));
      requested += n;
    }
  }

  private void checkDigest() throws IOException {
    if (checked) {
      return;
    }
    checked = true;
    if (pin.md5Hex() != null) {
      String actual = Digests.hex(md5.digest());
      if (!actual.equals(pin.md5Hex())) {
        throw new IOException("snapshot pulled from " + target + " is corrupt: MD5 " + actual + " != "
            + pin.md5Hex() + " recorded by the server");
      }
    }
  }
}
