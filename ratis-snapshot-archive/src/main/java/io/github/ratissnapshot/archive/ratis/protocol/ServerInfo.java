package io.github.ratissnapshot.archive.ratis.protocol;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.UUID;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * One server's answer to {@code INFO}: what the archive side of its state machine holds, for operators.
 *
 * @param openRestoreId the restore open on it, or null
 * @param openRestore how far that restore got, or null
 * @param lastRestore how the last restore that ended on it ended, or null if none did
 * @param snapshotTerm the term of its latest native snapshot, or -1
 * @param snapshotIndex the index of its latest native snapshot, or -1
 * @param snapshotFailure why its last snapshot could not be written, or null
 * @param configuration its latest configuration, or null if it has none yet (from the archive side, since
 *     Ratis 3.1 and 3.2 leave it out of their group information)
 * @param stateIndex the index of the last entry that changed the application's state (an application write
 *     or a restore; after a restart, at least its snapshot's), or -1 if none did: a backup agent's "has
 *     anything changed since the newest archive", which lease and other archive entries do not move
 * @param lease the archiving lease as this replica last applied it, or null when nobody holds it
 */
public record ServerInfo(UUID openRestoreId, RestoreStatus openRestore, RestoreOutcome lastRestore,
    long snapshotTerm, long snapshotIndex, String snapshotFailure, Membership configuration, long stateIndex,
    LeaseReply lease) {
  /** Returns the successful reply that carries this information. */
  public Message toReply() {
    return Replies.ok(this::write);
  }

  /**
   * Reads an information reply.
   *
   * @param reply the reply's content
   * @param from the server, for messages
   * @return the information
   * @throws RemoteArchiveException the server's failure, or a malformed reply
   */
  public static ServerInfo parse(ByteString reply, Object from) throws RemoteArchiveException {
    return Replies.read(reply, from, ServerInfo::read);
  }

  private void write(DataOutputStream out) throws IOException {
    out.writeBoolean(openRestoreId != null);
    if (openRestoreId != null) {
      Wire.uuid(out, openRestoreId);
      openRestore.write(out);
    }
    out.writeBoolean(lastRestore != null);
    if (lastRestore != null) {
      lastRestore.write(out);
    }
    out.writeLong(snapshotTerm);
    out.writeLong(snapshotIndex);
    Wire.text(out, snapshotFailure);
    out.writeBoolean(configuration != null);
    if (configuration != null) {
      configuration.write(out);
    }
    out.writeLong(stateIndex);
    out.writeBoolean(lease != null);
    if (lease != null) {
      Wire.text(out, lease.holder());
      out.writeLong(lease.expiresAtMillis());
    }
  }

  private static ServerInfo read(DataInputStream in) throws IOException {
    UUID openId = null;
    RestoreStatus open = null;
    if (in.readBoolean()) {
      openId = Wire.uuid(in);
      open = RestoreStatus.read(in);
    }
    RestoreOutcome last = in.readBoolean() ? RestoreOutcome.read(in) : null;
    long snapshotTerm = in.readLong();
    long snapshotIndex = in.readLong();
    String snapshotFailure = Wire.optionalText(in);
    Membership configuration = in.readBoolean() ? Membership.read(in) : null;
    long stateIndex = in.readLong();
    LeaseReply lease = in.readBoolean() ? new LeaseReply(true, Wire.optionalText(in), in.readLong()) : null;
    return new ServerInfo(openId, open, last, snapshotTerm, snapshotIndex, snapshotFailure, configuration,
        stateIndex, lease);
  }
}
