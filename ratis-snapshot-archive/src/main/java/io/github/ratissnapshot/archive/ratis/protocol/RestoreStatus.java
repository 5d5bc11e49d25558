package io.github.ratissnapshot.archive.ratis.protocol;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * One replica's answer to {@code STATUS}: how far it has staged a restore.
 *
 * @param stage how far it got
 * @param stagedBytes archive bytes staged so far
 * @param archiveBytes the archive's declared size
 * @param problem for a failed stage, the problem's wire name; else null
 * @param message what the replica says about it
 */
public record RestoreStatus(RestoreStage stage, long stagedBytes, long archiveBytes, String problem, String message) {
  /** The status of a replica that has no such restore open. */
  public static RestoreStatus none(String message) {
    return new RestoreStatus(RestoreStage.NONE, 0, 0, null, message);
  }

  /** Returns the successful reply that carries this status. */
  public Message toReply() {
    return Replies.ok(this::write);
  }

  /**
   * Returns the failure this status reports, naming the server.
   *
   * @param server the replica's id
   * @return the exception; only meaningful when {@link RestoreStage#isFailure()}
   */
  public RemoteArchiveException toException(Object server) {
    return RemoteArchiveException.fromWire(problem == null ? RemoteProblem.UNKNOWN.name() : problem,
        "server " + server + ": " + message);
  }

  /**
   * Reads a status reply.
   *
   * @param reply the reply's content
   * @param from the server, for messages
   * @return the status
   * @throws RemoteArchiveException the server's failure, or a malformed reply
   */
  public static RestoreStatus parse(ByteString reply, Object from) throws RemoteArchiveException {
    return Replies.read(reply, from, RestoreStatus::read);
  }

  void write(DataOutputStream out) throws IOException {
    out.writeUTF(stage.name());
    out.writeLong(stagedBytes);
    out.writeLong(archiveBytes);
    Wire.text(out, problem);
    Wire.text(out, message);
  }

  static RestoreStatus read(DataInputStream in) throws IOException {
    RestoreStage stage = RestoreStage.valueOf(in.readUTF());
    long staged = in.readLong();
    long total = in.readLong();
    String problem = Wire.optionalText(in);
    String message = in.readUTF();
    return new RestoreStatus(stage, staged, total, problem, message);
  }
}
