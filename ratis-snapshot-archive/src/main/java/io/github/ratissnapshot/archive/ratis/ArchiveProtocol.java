package io.github.ratissnapshot.archive.ratis;

import io.github.ratissnapshot.archive.format.Configuration;
import io.github.ratissnapshot.archive.format.Server;
import io.github.ratissnapshot.archive.format.Suffrage;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;

/**
 * The messages this library exchanges with its state machines through Ratis: the online-restore log
 * entries ({@code BEGIN}, {@code CHUNK}, {@code COMMIT}, {@code ABORT}) and the read-only queries a
 * remote save uses to pull a snapshot file ({@code PIN}, {@code READ}, {@code RELEASE}).
 *
 * <p>Every message starts with an 8-byte magic and an operation byte, so the mixin tells its own entries
 * from the application's without any cooperation from the application; an application message that
 * starts with the same 8 bytes is not possible by accident. Fields are big-endian
 * ({@link DataOutputStream}).
 */
final class ArchiveProtocol {
  static final byte[] MAGIC = {0, 'R', 'S', 'A', 'R', 'C', 'H', 1};
  private static final int HEADER = MAGIC.length + 1;

  /** Operation codes. */
  static final byte BEGIN = 1;
  static final byte CHUNK = 2;
  static final byte COMMIT = 3;
  static final byte ABORT = 4;
  static final byte PIN = 16;
  static final byte READ = 17;
  static final byte RELEASE = 18;
  static final byte STATUS = 19;

  /** The id an {@code ABORT} names to abort whatever restore is open. */
  static final UUID ANY_RESTORE = new UUID(0, 0);

  /** Reply status codes. */
  static final byte OK = 0;
  static final byte FAILED = 1;

  private ArchiveProtocol() {}

  /** A decoded operation. */
  sealed interface Op permits Begin, Chunk, Commit, Abort, Pin, Read, Release, Status {}

  /** Opens a restore of an archive of {@code archiveBytes}, with its {@code meta.json} as the client read it. */
  record Begin(UUID id, long archiveBytes, byte[] metaJson) implements Op {}

  /** One piece of the archive, in order. The payload is a view of the log entry, not a copy. */
  record Chunk(UUID id, long seq, ByteString payload) implements Op {}

  /** Completes a restore after {@code chunks} chunks whose bytes have this SHA-256. */
  record Commit(UUID id, long chunks, byte[] archiveSha256) implements Op {}

  /** Abandons a restore. */
  record Abort(UUID id) implements Op {}

  /** Asks the named server to pin its latest snapshot file for reading. */
  record Pin(String serverId) implements Op {}

  /** Reads a range of a pinned snapshot file. */
  record Read(UUID pinId, long offset, int length) implements Op {}

  /** Releases a pin. */
  record Release(UUID pinId) implements Op {}

  /** Asks one server how far it has staged restore {@code id}. */
  record Status(UUID id) implements Op {}

  /** A server's answer to {@link Status}. */
  record RestoreStatus(RestoreSession.Stage stage, long stagedBytes, long archiveBytes, String problem,
      String message) {}

  /** What a pin reply carries: the pinned snapshot and the group's configuration. */
  record PinInfo(UUID pinId, long term, long index, long size, String md5Hex, Configuration configuration,
      long configurationIndex) {}

  /** Returns whether {@code data} is one of this library's messages. */
  static boolean isArchiveMessage(ByteString data) {
    if (data.size() < HEADER) {
      return false;
    }
    for (int i = 0; i < MAGIC.length; i++) {
      if (data.byteAt(i) != MAGIC[i]) {
        return false;
      }
    }
    return true;
  }

  /**
   * Decodes one of this library's messages.
   *
   * @return the operation, or empty if {@code data} is not an archive message
   * @throws IOException if it is one but malformed
   */
  static Optional<Op> decode(ByteString data) throws IOException {
    if (!isArchiveMessage(data)) {
      return Optional.empty();
    }
    byte op = data.byteAt(MAGIC.length);
    DataInputStream in = new DataInputStream(data.substring(HEADER).newInput());
    return Optional.of(switch (op) {
      case BEGIN -> {
        UUID id = uuid(in);
        long bytes = in.readLong();
        byte[] meta = new byte[boundedLength(in, 1 << 20)];
        in.readFully(meta);
        yield new Begin(id, bytes, meta);
      }
      case CHUNK -> {
        UUID id = uuid(in);
        long seq = in.readLong();
        yield new Chunk(id, seq, data.substring(HEADER + 24));
      }
      case COMMIT -> {
        UUID id = uuid(in);
        long chunks = in.readLong();
        byte[] sha = new byte[32];
        in.readFully(sha);
        yield new Commit(id, chunks, sha);
      }
      case ABORT -> new Abort(uuid(in));
      case PIN -> new Pin(in.readUTF());
      case READ -> new Read(uuid(in), in.readLong(), in.readInt());
      case RELEASE -> new Release(uuid(in));
      case STATUS -> new Status(uuid(in));
      default -> throw new IOException("unknown archive operation " + op);
    });
  }

  static Message begin(UUID id, long archiveBytes, byte[] metaJson) {
    return message(BEGIN, out -> {
      uuid(out, id);
      out.writeLong(archiveBytes);
      out.writeInt(metaJson.length);
      out.write(metaJson);
    });
  }

  /** A chunk message; {@code payload} is wrapped, not copied, and must not change afterwards. */
  static Message chunk(UUID id, long seq, byte[] payload, int length) {
    ByteString header = header(CHUNK, out -> {
      uuid(out, id);
      out.writeLong(seq);
    });
    return Message.valueOf(header.concat(UnsafeByteOperations.unsafeWrap(payload, 0, length)));
  }

  static Message commit(UUID id, long chunks, byte[] archiveSha256) {
    return message(COMMIT, out -> {
      uuid(out, id);
      out.writeLong(chunks);
      out.write(archiveSha256);
    });
  }

  static Message status(UUID id) {
    return message(STATUS, out -> uuid(out, id));
  }

  static Writer restoreStatus(RestoreStatus s) {
    return out -> {
      out.writeUTF(s.stage().name());
      out.writeLong(s.stagedBytes());
      out.writeLong(s.archiveBytes());
      out.writeUTF(s.problem() == null ? "" : s.problem());
      out.writeUTF(truncate(s.message()));
    };
  }

  static RestoreStatus parseRestoreStatus(DataInputStream in) throws IOException {
    RestoreSession.Stage stage;
    try {
      stage = RestoreSession.Stage.valueOf(in.readUTF());
    } catch (IllegalArgumentException e) {
      throw new IOException("malformed status reply", e);
    }
    long staged = in.readLong();
    long total = in.readLong();
    String problem = in.readUTF();
    String message = in.readUTF();
    return new RestoreStatus(stage, staged, total, problem.isEmpty() ? null : problem, message);
  }

  static Message abort(UUID id) {
    return message(ABORT, out -> uuid(out, id));
  }

  static Message pin(String serverId) {
    return message(PIN, out -> out.writeUTF(serverId));
  }

  static Message read(UUID pinId, long offset, int length) {
    return message(READ, out -> {
      uuid(out, pinId);
      out.writeLong(offset);
      out.writeInt(length);
    });
  }

  static Message release(UUID pinId) {
    return message(RELEASE, out -> uuid(out, pinId));
  }

  /** A successful reply with a body. */
  static Message ok(Writer body) {
    return Message.valueOf(bytes(out -> {
      out.writeByte(OK);
      body.write(out);
    }));
  }

  /** A failed reply naming the class of problem and saying what went wrong. */
  static Message failed(String problem, String message) {
    return Message.valueOf(bytes(out -> {
      out.writeByte(FAILED);
      out.writeUTF(problem);
      out.writeUTF(truncate(message));
    }));
  }

  static Writer pinInfo(PinInfo p) {
    return out -> {
      uuid(out, p.pinId());
      out.writeLong(p.term());
      out.writeLong(p.index());
      out.writeLong(p.size());
      out.writeUTF(p.md5Hex() == null ? "" : p.md5Hex());
      out.writeLong(p.configurationIndex());
      List<Server> servers = p.configuration().servers();
      out.writeInt(servers.size());
      for (Server s : servers) {
        out.writeByte(s.suffrage().code());
        out.writeUTF(s.id());
        out.writeUTF(s.address());
      }
    };
  }

  static PinInfo parsePinInfo(DataInputStream in) throws IOException {
    UUID id = uuid(in);
    long term = in.readLong();
    long index = in.readLong();
    long size = in.readLong();
    String md5 = in.readUTF();
    long confIndex = in.readLong();
    int n = in.readInt();
    if (n < 0 || n > 10_000) {
      throw new IOException("malformed pin reply: " + n + " servers");
    }
    List<Server> servers = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Suffrage suffrage = Suffrage.ofCode(in.readByte());
      servers.add(new Server(suffrage, in.readUTF(), in.readUTF()));
    }
    return new PinInfo(id, term, index, size, md5.isEmpty() ? null : md5, new Configuration(servers), confIndex);
  }

  /**
   * Reads a reply's status: returns a stream over the body of an OK reply.
   *
   * @throws RemoteArchiveException for a FAILED reply, carrying the server's problem and message
   * @throws IOException if the reply is malformed
   */
  static DataInputStream body(ByteString reply) throws IOException {
    DataInputStream in = new DataInputStream(reply.newInput());
    byte status = in.readByte();
    if (status == OK) {
      return in;
    }
    if (status == FAILED) {
      throw new RemoteArchiveException(in.readUTF(), in.readUTF());
    }
    throw new IOException("malformed reply: status " + status);
  }

  /** Writes the fields of a message or reply. */
  @FunctionalInterface
  interface Writer {
    void write(DataOutputStream out) throws IOException;
  }

  private static Message message(byte op, Writer fields) {
    return Message.valueOf(header(op, fields));
  }

  private static ByteString header(byte op, Writer fields) {
    return bytes(out -> {
      out.write(MAGIC);
      out.writeByte(op);
      fields.write(out);
    });
  }

  private static ByteString bytes(Writer w) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream(64);
    try (DataOutputStream out = new DataOutputStream(buf)) {
      w.write(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return UnsafeByteOperations.unsafeWrap(buf.toByteArray());
  }

  private static void uuid(DataOutputStream out, UUID id) throws IOException {
    out.writeLong(id.getMostSignificantBits());
    out.writeLong(id.getLeastSignificantBits());
  }

  private static UUID uuid(DataInputStream in) throws IOException {
    return new UUID(in.readLong(), in.readLong());
  }

  private static int boundedLength(DataInputStream in, int max) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > max) {
      throw new IOException("malformed archive message: length " + n);
    }
    return n;
  }

  private static String truncate(String s) {
    String t = s == null ? "" : s;
    return t.length() > 4000 ? t.substring(0, 4000) + "..." : t;
  }
}
