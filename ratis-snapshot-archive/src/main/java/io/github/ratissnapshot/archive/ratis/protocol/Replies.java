package io.github.ratissnapshot.archive.ratis.protocol;

import java.io.DataInputStream;
import java.io.IOException;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * Replies to archive messages: a status byte, then either the body of a successful reply or the problem
 * and message of a failed one. A reply that cannot be read is a {@link RemoteProblem#MALFORMED_REPLY}, an
 * operational failure, never a usage error.
 */
public final class Replies {
  static final byte OK = 0;
  static final byte FAILED = 1;

  private Replies() {}

  /** Returns a successful reply with no body. */
  public static Message ok() {
    return Message.valueOf(Wire.bytes(out -> out.writeByte(OK)));
  }

  /**
   * Returns a successful reply carrying one string.
   *
   * @param text the string; null is sent as empty
   * @return the reply
   */
  public static Message okText(String text) {
    return ok(out -> Wire.text(out, text));
  }

  /**
   * Reads a reply made by {@link #okText}.
   *
   * @param reply the reply's content
   * @param from the server, for messages
   * @return the string, or null if it was empty
   * @throws RemoteArchiveException the server's failure, or a malformed reply
   */
  public static String parseText(ByteString reply, Object from) throws RemoteArchiveException {
    return read(reply, from, Wire::optionalText);
  }

  static Message ok(Wire.Writer body) {
    return Message.valueOf(Wire.bytes(out -> {
      out.writeByte(OK);
      body.write(out);
    }));
  }

  /**
   * Returns a successful reply carrying raw bytes after the status byte (a range of a snapshot file).
   *
   * @param bytes the bytes; not copied
   * @return the reply
   */
  public static Message ok(ByteString bytes) {
    return Message.valueOf(ByteString.copyFrom(new byte[] {OK}).concat(bytes));
  }

  /**
   * Returns a failed reply.
   *
   * @param problem the class of failure
   * @param message what went wrong
   * @return the reply
   */
  public static Message failed(RemoteProblem problem, String message) {
    return failed(problem.name(), message);
  }

  /**
   * Returns a failed reply naming its problem as it travels: an {@link RemoteProblem} name, or an archive
   * problem's name for an invalid archive.
   *
   * @param wireName the problem's name
   * @param message what went wrong
   * @return the reply
   */
  public static Message failed(String wireName, String message) {
    return Message.valueOf(Wire.bytes(out -> {
      out.writeByte(FAILED);
      out.writeUTF(wireName);
      Wire.text(out, message);
    }));
  }

  /**
   * Checks a reply and returns its raw body bytes (everything after the status byte).
   *
   * @param reply the reply's content
   * @param from the server it came from, for messages
   * @return the body
   * @throws RemoteArchiveException the server's failure, or {@link RemoteProblem#MALFORMED_REPLY}
   */
  public static ByteString rawBody(ByteString reply, Object from) throws RemoteArchiveException {
    if (!reply.isEmpty() && reply.byteAt(0) == OK) {
      return reply.substring(1);
    }
    read(reply, from, in -> null);
    throw malformed(from, "status byte " + (reply.isEmpty() ? "missing" : reply.byteAt(0)));
  }

  /**
   * Checks a reply that carries no body.
   *
   * @param reply the reply's content
   * @param from the server it came from, for messages
   * @throws RemoteArchiveException the server's failure, or {@link RemoteProblem#MALFORMED_REPLY}
   */
  public static void check(ByteString reply, Object from) throws RemoteArchiveException {
    read(reply, from, in -> null);
  }

  /**
   * Reads a reply's body with {@code reader}: the server's failure becomes its exception, and anything the
   * reader cannot make sense of becomes {@link RemoteProblem#MALFORMED_REPLY}.
   */
  static <T> T read(ByteString reply, Object from, Wire.Reader<T> reader) throws RemoteArchiveException {
    DataInputStream in = new DataInputStream(reply.newInput());
    String wireName;
    String message;
    try {
      byte status = in.readByte();
      if (status == OK) {
        return reader.read(in);
      }
      if (status != FAILED) {
        throw new IOException("status byte " + status);
      }
      wireName = in.readUTF();
      message = in.readUTF();
    } catch (IOException | RuntimeException e) {
      throw malformed(from, e.getMessage() == null ? e.toString() : e.getMessage());
    }
    throw RemoteArchiveException.fromWire(wireName, message);
  }

  private static RemoteArchiveException malformed(Object from, String what) {
    return new RemoteArchiveException(RemoteProblem.MALFORMED_REPLY, "malformed reply from server " + from + ": "
        + what);
  }
}
