package io.github.ratissnapshot.archive.ratis.protocol;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * One replica's answer to {@code STATUS}: how far it has staged a restore, and its latest configuration (the
 * last in its log, what Ratis's group information reports as the configuration). The commit gate counts the
 * leader's; it comes through the archive protocol because Ratis 3.1 and 3.2 servers leave the configuration
 * out of the group information they send (RATIS-2601), so one path serves every supported Ratis.
 *
 * @param restore how far the restore got
 * @param configuration the replica's latest configuration, or null if it has none yet
 */
public record ReplicaStatus(RestoreStatus restore, Membership configuration) {
  /** Returns the successful reply that carries this status. */
  public Message toReply() {
    return Replies.ok(this::write);
  }

  /**
   * Reads a status reply.
   *
   * @param reply the reply's content
   * @param from the server, for messages
   * @return the status
   * @throws RemoteArchiveException the server's failure, or a malformed reply
   */
  public static ReplicaStatus parse(ByteString reply, Object from) throws RemoteArchiveException {
    return Replies.read(reply, from, ReplicaStatus::read);
  }

  private void write(DataOutputStream out) throws IOException {
    restore.write(out);
    out.writeBoolean(configuration != null);
    if (configuration != null) {
      configuration.write(out);
    }
  }

  private static ReplicaStatus read(DataInputStream in) throws IOException {
    RestoreStatus restore = RestoreStatus.read(in);
    return new ReplicaStatus(restore, in.readBoolean() ? Membership.read(in) : null);
  }
}
