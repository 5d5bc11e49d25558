package io.github.ratissnapshot.archive.ratis.server;

import io.github.ratissnapshot.archive.ratis.protocol.Op.Begin;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.server.protocol.TermIndex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code BEGIN}: opens a restore, abandoning any other that is open. A {@code BEGIN} of the restore already
 * open (a client that resent it on a new connection) changes nothing. From here until the restore ends,
 * the application's writes are refused and snapshots stay at the entry before this one.
 */
final class BeginHandler implements EntryHandler<Begin> {
  private static final Logger LOG = LoggerFactory.getLogger(BeginHandler.class);

  private final Replica replica;

  BeginHandler(Replica replica) {
    this.replica = replica;
  }

  @Override
  public Message apply(Begin b, TermIndex at, TermIndex appliedBefore) {
    RestoreSession open = replica.restores().open();
    if (open != null && open.id().equals(b.id())) {
      return open.status().toReply();
    }
    RestoreSession s = replica.restores().begin(b.id(), b.archiveBytes(), appliedBefore, at.getIndex());
    LOG.info("{}: restore {} began at {} ({} bytes of archive); application writes are refused until it ends",
        replica.serverId(), b.id(), at, b.archiveBytes());
    return s.status().toReply();
  }
}
