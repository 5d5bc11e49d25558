package io.github.ratissnapshot.archive.ratis.server;

import io.github.ratissnapshot.archive.ratis.protocol.Op.Read;
import io.github.ratissnapshot.archive.ratis.protocol.Replies;
import java.io.IOException;
import org.apache.ratis.protocol.Message;

/** {@code READ}: a range of a pinned snapshot file, its bytes right after the reply's status byte. */
final class ReadHandler implements QueryHandler<Read> {
  private final Replica replica;

  ReadHandler(Replica replica) {
    this.replica = replica;
  }

  @Override
  public Message answer(Read r) throws IOException {
    return Replies.ok(replica.pins().read(r.pinId(), r.offset(), r.length()));
  }
}
