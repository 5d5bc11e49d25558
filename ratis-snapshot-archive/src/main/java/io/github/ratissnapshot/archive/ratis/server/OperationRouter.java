package io.github.ratissnapshot.archive.ratis.server;

import io.github.ratissnapshot.archive.ratis.protocol.ArchiveProtocol;
import io.github.ratissnapshot.archive.ratis.protocol.Op;
import io.github.ratissnapshot.archive.ratis.protocol.RemoteArchiveException;
import io.github.ratissnapshot.archive.ratis.protocol.RemoteProblem;
import io.github.ratissnapshot.archive.ratis.protocol.Replies;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * Sends each archive message to its handler: log entries ({@code BEGIN}, {@code CHUNK}, {@code COMMIT},
 * {@code ABORT}, {@code LEASE}) on the updater thread, queries ({@code PIN}, {@code READ}, {@code DEFLATE}, {@code RELEASE},
 * {@code STATUS}, {@code INFO}) on RPC threads. A message that is not this library's is left to the
 * application; one that is but cannot be decoded, or comes the wrong way (a query in the log, an entry as a
 * query), gets a failed reply and changes nothing.
 */
final class OperationRouter {
  private final BeginHandler begin;
  private final ChunkHandler chunk;
  private final CommitHandler commit;
  private final AbortHandler abort;
  private final LeaseHandler lease;
  private final PinHandler pin;
  private final ReadHandler read;
  private final DeflateHandler deflate;
  private final ReleaseHandler release;
  private final StatusHandler status;
  private final InfoHandler info;

  OperationRouter(Replica replica) {
    this.begin = new BeginHandler(replica);
    this.chunk = new ChunkHandler(replica);
    this.commit = new CommitHandler(replica);
    this.abort = new AbortHandler(replica);
    this.lease = new LeaseHandler(replica);
    this.pin = new PinHandler(replica);
    this.read = new ReadHandler(replica);
    this.deflate = new DeflateHandler(replica);
    this.release = new ReleaseHandler(replica);
    this.status = new StatusHandler(replica);
    this.info = new InfoHandler(replica);
  }

  /** Returns the handler that pins snapshots, for in-process saves. */
  PinHandler pins() {
    return pin;
  }

  /**
   * Applies a log entry if it is an archive message.
   *
   * @param entry the entry
   * @param appliedBefore the term-index applied just before it
   * @return the reply, or empty if the entry is the application's
   */
  Optional<CompletableFuture<Message>> apply(LogEntryProto entry, TermIndex appliedBefore) {
    ByteString data = entry.getStateMachineLogEntry().getLogData();
    if (!ArchiveProtocol.isArchiveMessage(data)) {
      return Optional.empty();
    }
    Message reply;
    try {
      reply = apply(ArchiveProtocol.decode(data).orElseThrow(), TermIndex.valueOf(entry), appliedBefore);
    } catch (IOException e) {
      reply = Replies.failed(RemoteProblem.MALFORMED, e.getMessage());
    }
    return Optional.of(CompletableFuture.completedFuture(reply));
  }

  /**
   * Answers a query if it is an archive message.
   *
   * @param request the query
   * @return the reply, or empty if the query is the application's
   */
  Optional<CompletableFuture<Message>> query(Message request) {
    ByteString data = request.getContent();
    if (!ArchiveProtocol.isArchiveMessage(data)) {
      return Optional.empty();
    }
    Message reply;
    try {
      reply = answer(ArchiveProtocol.decode(data).orElseThrow());
    } catch (RemoteArchiveException e) {
      reply = Replies.failed(e.wireName(), e.getMessage());
    } catch (IOException | RuntimeException e) {
      reply = Replies.failed(RemoteProblem.IO, String.valueOf(e.getMessage()));
    }
    return Optional.of(CompletableFuture.completedFuture(reply));
  }

  private Message apply(Op op, TermIndex at, TermIndex appliedBefore) {
    if (op instanceof Op.Begin b) {
      return begin.apply(b, at, appliedBefore);
    } else if (op instanceof Op.Chunk c) {
      return chunk.apply(c, at, appliedBefore);
    } else if (op instanceof Op.Commit c) {
      return commit.apply(c, at, appliedBefore);
    } else if (op instanceof Op.Abort a) {
      return abort.apply(a, at, appliedBefore);
    } else if (op instanceof Op.Lease l) {
      return lease.apply(l, at, appliedBefore);
    }
    return Replies.failed(RemoteProblem.NOT_A_WRITE, "a " + op.getClass().getSimpleName()
        + " is a query; it does not belong in the log");
  }

  private Message answer(Op op) throws IOException {
    if (op instanceof Op.Pin p) {
      return pin.answer(p);
    } else if (op instanceof Op.Read r) {
      return read.answer(r);
    } else if (op instanceof Op.Deflate d) {
      return deflate.answer(d);
    } else if (op instanceof Op.Release r) {
      return release.answer(r);
    } else if (op instanceof Op.Status s) {
      return status.answer(s);
    } else if (op instanceof Op.Info i) {
      return info.answer(i);
    }
    return Replies.failed(RemoteProblem.NOT_A_QUERY, "a " + op.getClass().getSimpleName()
        + " is a log entry; send it as a write");
  }
}
