package io.github.ratissnapshot.archive.ratis.server;

import io.github.ratissnapshot.archive.ratis.protocol.ArchiveProtocol;
import io.github.ratissnapshot.archive.ratis.protocol.Op.Abort;
import io.github.ratissnapshot.archive.ratis.protocol.RemoteProblem;
import io.github.ratissnapshot.archive.ratis.protocol.Replies;
import io.github.ratissnapshot.archive.ratis.protocol.RestoreOutcome;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.server.protocol.TermIndex;

/**
 * {@code ABORT}: ends the named restore, or whatever restore is open for {@link ArchiveProtocol#ANY_RESTORE},
 * keeping the old state. The reply names the restore aborted, or is empty if none was open.
 */
final class AbortHandler implements EntryHandler<Abort> {
  private final Replica replica;

  AbortHandler(Replica replica) {
    this.replica = replica;
  }

  @Override
  public Message apply(Abort a, TermIndex at, TermIndex appliedBefore) {
    RestoreSession open = replica.restores().open();
    boolean any = ArchiveProtocol.ANY_RESTORE.equals(a.id());
    if (open == null || !(any || open.id().equals(a.id()))) {
      return Replies.okText(null);
    }
    String why = any ? "an operator aborted it" : "its client aborted it";
    replica.restores().end(RestoreOutcome.ended(open.id(), at.getTerm(), at.getIndex(),
        RemoteProblem.ABORTED.name(), why));
    return Replies.okText(open.id().toString());
  }
}
