package io.github.ratissnapshot.archive.ratis.server;

import io.github.ratissnapshot.archive.ratis.protocol.RemoteProblem;
import io.github.ratissnapshot.archive.ratis.protocol.Replies;
import io.github.ratissnapshot.archive.ratis.protocol.RestoreOutcome;
import java.util.UUID;
import org.apache.ratis.protocol.Message;

/** The reply to an entry or query that names a restore this replica does not have open. */
final class NotOpen {
  private NotOpen() {}

  static Message reply(Replica replica, UUID id) {
    return Replies.failed(RemoteProblem.NOT_OPEN, describe(replica, id));
  }

  /** Says why: which restore is open instead, or how this one ended. */
  static String describe(Replica replica, UUID id) {
    RestoreSession open = replica.restores().open();
    RestoreOutcome last = replica.restores().last();
    String why = open != null ? " (restore " + open.id() + " is)"
        : last != null && last.restoreId().equals(id) ? " (it ended: " + last.message() + ")" : "";
    return "restore " + id + " is not open on " + replica.serverId() + why;
  }
}
