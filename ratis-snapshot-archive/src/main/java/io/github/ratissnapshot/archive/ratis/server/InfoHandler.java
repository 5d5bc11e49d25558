package io.github.ratissnapshot.archive.ratis.server;

import io.github.ratissnapshot.archive.ratis.protocol.Op.Info;
import io.github.ratissnapshot.archive.ratis.protocol.ServerInfo;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;

/** {@code INFO}: what an operator checks on each server: the open and the last restore, the latest snapshot. */
final class InfoHandler implements QueryHandler<Info> {
  private final Replica replica;

  InfoHandler(Replica replica) {
    this.replica = replica;
  }

  @Override
  public Message answer(Info i) {
    RestoreSession open = replica.restores().open();
    SingleFileSnapshotInfo latest = replica.snapshots().latest();
    return new ServerInfo(open == null ? null : open.id(), open == null ? null : open.status(),
        replica.restores().last(), latest == null ? -1 : latest.getTerm(), latest == null ? -1 : latest.getIndex(),
        replica.snapshotFailure(), replica.history().latest(), replica.stateIndex(), replica.lease()).toReply();
  }
}
