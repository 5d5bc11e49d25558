package io.github.ratissnapshot.archive.ratis.server;

import io.github.ratissnapshot.archive.ratis.protocol.Op.Chunk;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.server.protocol.TermIndex;

/**
 * {@code CHUNK}: stages a piece of the archive of the open restore; the reply is the restore's status, so a
 * client sees at once when a replica found the archive invalid or could not stage it.
 */
final class ChunkHandler implements EntryHandler<Chunk> {
  private final Replica replica;

  ChunkHandler(Replica replica) {
    this.replica = replica;
  }

  @Override
  public Message apply(Chunk c, TermIndex at, TermIndex appliedBefore) {
    RestoreSession open = replica.restores().open();
    if (open == null || !open.id().equals(c.id())) {
      return NotOpen.reply(replica, c.id());
    }
    open.append(c.seq(), c.payload());
    return open.status().toReply();
  }
}
