package io.github.ratissnapshot.archive.ratis.protocol;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.UUID;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * How a restore ended on a replica: committed at a log index with an archive's state, or ended without
 * changing the state (aborted, or its COMMIT refused). A replica remembers the last one, so that a client
 * that lost the reply to its {@code COMMIT} can ask again, and an operator can see it.
 *
 * @param restoreId the restore
 * @param committed whether the archive's state replaced the old one
 * @param term the term of the entry that ended it
 * @param index the index of the entry that ended it
 * @param archiveId the archive's {@code ID} when committed, else empty
 * @param problem when not committed, the wire name of why; else null
 * @param message what happened, for people
 */
public record RestoreOutcome(UUID restoreId, boolean committed, long term, long index, String archiveId,
    String problem, String message) {
  /** A committed restore. */
  public static RestoreOutcome committed(UUID id, long term, long index, String archiveId) {
    return new RestoreOutcome(id, true, term, index, archiveId, null, "committed: archive " + archiveId
        + " is the state at index " + index);
  }

  /** A restore that ended without changing the state. */
  public static RestoreOutcome ended(UUID id, long term, long index, String problem, String message) {
    return new RestoreOutcome(id, false, term, index, "", problem, message);
  }

  /**
   * Returns the reply a {@code COMMIT} of this restore gets: success with the commit point, or the failure.
   */
  public Message toCommitReply() {
    return committed ? Replies.ok(out -> {
      out.writeLong(term);
      out.writeLong(index);
      out.writeUTF(archiveId);
    }) : Replies.failed(problem == null ? RemoteProblem.NOT_OPEN.name() : problem, message);
  }

  /**
   * Reads the reply to a {@code COMMIT}.
   *
   * @param reply the reply's content
   * @param id the restore
   * @param from the server, for messages
   * @return the committed outcome
   * @throws RemoteArchiveException the server's refusal, or a malformed reply
   */
  public static RestoreOutcome parseCommitReply(ByteString reply, UUID id, Object from)
      throws RemoteArchiveException {
    return Replies.read(reply, from, in -> committed(id, in.readLong(), in.readLong(), in.readUTF()));
  }

  void write(DataOutputStream out) throws IOException {
    Wire.uuid(out, restoreId);
    out.writeBoolean(committed);
    out.writeLong(term);
    out.writeLong(index);
    Wire.text(out, archiveId);
    Wire.text(out, problem);
    Wire.text(out, message);
  }

  static RestoreOutcome read(DataInputStream in) throws IOException {
    return new RestoreOutcome(Wire.uuid(in), in.readBoolean(), in.readLong(), in.readLong(), in.readUTF(),
        Wire.optionalText(in), in.readUTF());
  }

  /** Returns the bytes a replica keeps on disk for this outcome. */
  public byte[] toBytes() {
    return Wire.bytes(this::write).toByteArray();
  }

  /**
   * Reads an outcome kept on disk.
   *
   * @param bytes what {@link #toBytes()} wrote
   * @return the outcome
   * @throws IOException if the bytes are not an outcome
   */
  public static RestoreOutcome fromBytes(byte[] bytes) throws IOException {
    return read(new DataInputStream(new ByteArrayInputStream(bytes)));
  }
}
