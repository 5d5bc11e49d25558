package io.github.ratissnapshot.archive.ratis.client;

import io.github.ratissnapshot.archive.ratis.protocol.ArchiveProtocol;
import io.github.ratissnapshot.archive.ratis.protocol.RemoteArchiveException;
import io.github.ratissnapshot.archive.ratis.protocol.RestoreStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.apache.ratis.protocol.RaftClientReply;

/**
 * Sends an archive into the log as {@code CHUNK} entries, with a bounded number in flight. Replies are taken
 * in order on the calling thread, which also reports progress, so progress arrives in order from one
 * thread. A chunk whose reply says a replica found the archive invalid or could not stage it stops the
 * transfer. When Ratis closes the client's connection, the chunks not yet acknowledged are sent again, in
 * order, on a new client; the replicas ignore the ones they already have.
 */
final class ChunkSender {
  private final ReconnectingClient clients;
  private final GroupConnection connection;
  private final UUID id;
  private final int chunkSize;
  private final int inFlight;

  /** A chunk sent and not yet acknowledged; it keeps its bytes until then. */
  private static final class InFlight {
    final long seq;
    final byte[] bytes;
    final int length;
    CompletableFuture<RaftClientReply> reply;

    InFlight(long seq, byte[] bytes, int length) {
      this.seq = seq;
      this.bytes = bytes;
      this.length = length;
    }
  }

  ChunkSender(ReconnectingClient clients, GroupConnection connection, UUID id, int chunkSize, int inFlight) {
    this.clients = clients;
    this.connection = connection;
    this.id = id;
    this.chunkSize = chunkSize;
    this.inFlight = inFlight;
  }

  /**
   * Sends the archive.
   *
   * @param in the archive, read to {@code archiveBytes}
   * @param archiveBytes its size
   * @param progress told the bytes acknowledged so far, in order, on this thread
   * @return the number of chunks sent
   * @throws RemoteArchiveException if a replica reported the archive invalid or could not stage it
   * @throws IOException if the archive is shorter than said, or the group cannot be reached
   */
  long send(InputStream in, long archiveBytes, TransferProgress progress) throws IOException {
    ArrayDeque<InFlight> window = new ArrayDeque<>();
    long read = 0;
    long acknowledged = 0;
    long seq = 0;
    while (read < archiveBytes || !window.isEmpty()) {
      while (window.size() < inFlight && read < archiveBytes) {
        byte[] buf = new byte[(int) Math.min(chunkSize, archiveBytes - read)];
        int n = in.readNBytes(buf, 0, buf.length);
        if (n < buf.length) {
          throw new IOException(String.format("the archive ended after %,d of its %,d bytes", read + n,
              archiveBytes));
        }
        InFlight c = new InFlight(seq++, buf, n);
        c.reply = sendAsync(c);
        window.add(c);
        read += n;
      }
      if (read == archiveBytes) {
        // The last chunks wait for the servers to apply them; the last one starts their verification.
        progress.phase("archive sent; the servers are staging and verifying it");
      }
      InFlight head = window.peek();
      RaftClientReply reply;
      try {
        reply = head.reply.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while sending the archive");
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        if (Causes.isClosedConnection(cause) && clients.reconnect(clients.current())) {
          for (InFlight c : window) {
            c.reply = sendAsync(c);
          }
          continue;
        }
        throw connection.unreachable("send restore " + id, cause);
      }
      RestoreStatus status = RestoreStatus.parse(reply.getMessage().getContent(), reply.getServerId());
      if (status.stage().isFailure()) {
        throw status.toException(reply.getServerId());
      }
      window.poll();
      acknowledged += head.length;
      if (read < archiveBytes) {
        progress.update(acknowledged, archiveBytes);
      }
    }
    progress.update(acknowledged, archiveBytes);
    return seq;
  }

  private CompletableFuture<RaftClientReply> sendAsync(InFlight c) {
    return clients.current().async().send(ArchiveProtocol.chunk(id, c.seq, c.bytes, c.length));
  }
}
