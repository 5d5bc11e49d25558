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
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.ratis.protocol.RaftClientReply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends an archive into the log as {@code CHUNK} entries, with a bounded number in flight. Replies are taken
 * in order on the calling thread, which also reports progress, so progress arrives in order from one
 * thread. A chunk whose reply says a replica found the archive invalid or could not stage it stops the
 * transfer. When Ratis closes the client's connection, or a chunk's reply shows the replicas ignored it (an
 * earlier one never reached the log), the chunks not yet acknowledged are sent again, in order, on a new
 * client, once every one of them has its answer; the replicas ignore the ones they already have and the ones
 * ahead of their turn. At most {@link #MAX_RESENDS} times in a row. When Ratis answers a chunk with a failure
 * that means it was not appended (a leader handing over, not leading, not ready), they are sent again the same
 * way after a pause, for as long as {@link NotAppendedBackoff} allows and without counting against the limit of
 * new clients: a handover can refuse writes for seconds, and resends spent in its first milliseconds would fail
 * a restore that a pause lets complete.
 */
final class ChunkSender {
  private static final Logger LOG = LoggerFactory.getLogger(ChunkSender.class);

  /** How many times in a row the chunks in flight are sent again before the restore gives up. */
  static final int MAX_RESENDS = 5;

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
    final long offset;
    CompletableFuture<RaftClientReply> reply;

    InFlight(long seq, byte[] bytes, int length, long offset) {
      this.seq = seq;
      this.bytes = bytes;
      this.length = length;
      this.offset = offset;
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
    int resends = 0; // in a row, without a chunk acknowledged in between
    NotAppendedBackoff notAppended = null; // since the first "not appended" answer in a row
    while (read < archiveBytes || !window.isEmpty()) {
      while (window.size() < inFlight && read < archiveBytes) {
        byte[] buf = new byte[(int) Math.min(chunkSize, archiveBytes - read)];
        int n = in.readNBytes(buf, 0, buf.length);
        if (n < buf.length) {
          throw new IOException(String.format("the archive ended after %,d of its %,d bytes", read + n,
              archiveBytes));
        }
        InFlight c = new InFlight(seq++, buf, n, read);
        c.reply = sendAsync(c);
        window.add(c);
        read += n;
      }
      if (read == archiveBytes) {
        // The last chunks wait for the servers to apply them; the last one starts their verification.
        progress.phase(TransferProgress.Stage.VERIFY, "archive sent; the servers are staging and verifying it");
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
        if (Causes.isNotAppended(cause) && !Causes.isClosedConnection(cause)) {
          if (notAppended == null) {
            notAppended = new NotAppendedBackoff();
          }
          LOG.info("restore {}: chunk {} was not appended ({}); sending the chunks from there again", id, head.seq,
              Causes.message(cause));
          if (notAppended.pause() && resendWindow(window, false)) { // the backoff bounds these in time
            continue;
          }
        } else if (Causes.isClosedConnection(cause) && resends < MAX_RESENDS && resendWindow(window, true)) {
          resends++;
          continue;
        }
        throw connection.unreachable("send restore " + id, cause);
      }
      RestoreStatus status = RestoreStatus.parse(reply.getMessage().getContent(), reply.getServerId());
      if (status.stage().isFailure()) {
        throw status.toException(reply.getServerId());
      }
      if (status.stagedBytes() < head.offset + head.length) {
        // Applied after a chunk that never reached the log, so every replica ignored it: send again from the head.
        if (resends >= MAX_RESENDS || !resendWindow(window, true)) {
          throw new IOException(String.format("restore %s: the group staged %,d bytes and ignored chunk %d "
              + "(bytes %,d to %,d) after %d resends of the chunks from there", id, status.stagedBytes(), head.seq,
              head.offset, head.offset + head.length, resends));
        }
        resends++;
        continue;
      }
      resends = 0;
      notAppended = null;
      window.poll();
      acknowledged += head.length;
      if (read < archiveBytes) {
        progress.update(acknowledged, archiveBytes);
      }
    }
    progress.update(acknowledged, archiveBytes);
    return seq;
  }

  /**
   * Waits until every chunk in flight has its answer (so that none of them can still reach the log after the
   * ones sent again), then sends them all again, in order. The replicas ignore the chunks they already have
   * and the ones ahead of their turn, so whatever part of the first sending reached the log, the group ends
   * with each chunk once and in order.
   *
   * <p>They go on a new client: closing the old one ends any request of it not answered in time, and the new
   * one starts its own sequence of requests, which whatever server leads now takes from the first.
   *
   * @param counted whether the new client counts against the limit of reconnections
   * @return false if no new client may be made (the limit of reconnections is reached)
   */
  private boolean resendWindow(ArrayDeque<InFlight> window, boolean counted) throws IOException {
    for (InFlight c : window) {
      try {
        c.reply.get(connection.requestTimeout().toMillis() * 2, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while sending the archive");
      } catch (ExecutionException | TimeoutException | CancellationException e) {
        // answered with a failure, or not in time: closing the client below ends it
      }
    }
    if (!clients.reconnect(clients.current(), counted)) {
      return false;
    }
    LOG.info("restore {}: sending chunks {} to {} again", id, window.peekFirst().seq, window.peekLast().seq);
    for (InFlight c : window) {
      c.reply = sendAsync(c);
    }
    return true;
  }

  private CompletableFuture<RaftClientReply> sendAsync(InFlight c) {
    return clients.current().async().send(ArchiveProtocol.chunk(id, c.seq, c.bytes, c.length));
  }
}
