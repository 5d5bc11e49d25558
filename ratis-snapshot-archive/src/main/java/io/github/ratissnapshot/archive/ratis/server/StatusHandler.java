package io.github.ratissnapshot.archive.ratis.server;

import io.github.ratissnapshot.archive.ratis.protocol.Op.Status;
import io.github.ratissnapshot.archive.ratis.protocol.ReplicaStatus;
import io.github.ratissnapshot.archive.ratis.protocol.RestoreStatus;
import org.apache.ratis.protocol.Message;

/**
 * {@code STATUS}: how far this replica has staged a restore, for the client's commit gate; {@code NONE} when
 * that restore is not open here (not begun yet, or ended); and its latest configuration.
 */
final class StatusHandler implements QueryHandler<Status> {
  private final Replica replica;

  StatusHandler(Replica replica) {
    this.replica = replica;
  }

  @Override
  public Message answer(Status s) {
    RestoreSession open = replica.restores().open();
    RestoreStatus status = open != null && open.id().equals(s.id()) ? open.status()
        : RestoreStatus.none(open == null ? "no restore is open" : "restore " + open.id() + " is open");
    return new ReplicaStatus(status, replica.history().latest()).toReply();
  }
}
