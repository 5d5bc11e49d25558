package io.github.ratissnapshot.archive.ratis.server;

import io.github.ratissnapshot.archive.ratis.protocol.Op.Release;
import io.github.ratissnapshot.archive.ratis.protocol.Replies;
import java.io.IOException;
import org.apache.ratis.protocol.Message;

/** {@code RELEASE}: drops a pin; an unknown pin is not an error (it may have expired). */
final class ReleaseHandler implements QueryHandler<Release> {
  private final Replica replica;

  ReleaseHandler(Replica replica) {
    this.replica = replica;
  }

  @Override
  public Message answer(Release r) throws IOException {
    replica.pins().release(r.pinId());
    return Replies.ok();
  }
}
