package io.github.ratissnapshot.archive.ratis.protocol;

import java.io.DataInputStream;
import java.io.IOException;
import java.util.Optional;
import java.util.UUID;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;

/**
 * Encodes and decodes the messages of {@link Op}. Every message starts with an 8-byte magic and an
 * operation byte, so a state machine tells this library's entries from the application's without any
 * cooperation from the application; an application message that starts with the same 8 bytes is not
 * possible by accident. The magic's last byte is the protocol version: messages of an earlier version are
 * still recognised as this library's (so they never reach the application) and refused as malformed.
 * Fields are big-endian.
 */
public final class ArchiveProtocol {
  private static final byte[] MAGIC = {0, 'R', 'S', 'A', 'R', 'C', 'H', 2};
  private static final byte VERSION = MAGIC[MAGIC.length - 1];
  private static final int HEADER = MAGIC.length + 1;
  private static final int CHUNK_FIELDS = 24;
  private static final int MAX_META = 1 << 20;

  private static final byte BEGIN = 1;
  private static final byte CHUNK = 2;
  private static final byte COMMIT = 3;
  private static final byte ABORT = 4;
  private static final byte LEASE = 5;
  private static final byte PIN = 16;
  private static final byte READ = 17;
  private static final byte RELEASE = 18;
  private static final byte STATUS = 19;
  private static final byte INFO = 20;
  private static final byte DEFLATE = 21;
  private static final byte DEFLATE_WITH_CRC = 22;

  /** The id an {@code ABORT} names to abort whatever restore is open. */
  public static final UUID ANY_RESTORE = new UUID(0, 0);

  private ArchiveProtocol() {}

  /** Returns whether {@code data} is one of this library's messages. */
  public static boolean isArchiveMessage(ByteString data) {
    if (data.size() < HEADER) {
      return false;
    }
    for (int i = 0; i < MAGIC.length - 1; i++) {
      if (data.byteAt(i) != MAGIC[i]) {
        return false;
      }
    }
    byte version = data.byteAt(MAGIC.length - 1);
    return version >= 1 && version <= VERSION;
  }

  /**
   * Decodes one of this library's messages.
   *
   * @param data a log entry's data or a query's content
   * @return the operation, or empty if {@code data} is not an archive message
   * @throws IOException if it is one but malformed
   */
  public static Optional<Op> decode(ByteString data) throws IOException {
    if (!isArchiveMessage(data)) {
      return Optional.empty();
    }
    byte version = data.byteAt(MAGIC.length - 1);
    if (version != VERSION) {
      throw new IOException("archive message of protocol version " + version + "; this server speaks version "
          + VERSION);
    }
    byte op = data.byteAt(MAGIC.length);
    DataInputStream in = new DataInputStream(data.substring(HEADER).newInput());
    return Optional.of(switch (op) {
      case BEGIN -> {
        UUID id = Wire.uuid(in);
        long bytes = in.readLong();
        byte[] meta = new byte[Wire.boundedCount(in, MAX_META, "meta.json length")];
        in.readFully(meta);
        yield new Op.Begin(id, bytes, meta);
      }
      case CHUNK -> new Op.Chunk(Wire.uuid(in), in.readLong(), data.substring(HEADER + CHUNK_FIELDS));
      case COMMIT -> {
        UUID id = Wire.uuid(in);
        long chunks = in.readLong();
        byte[] sha = new byte[32];
        in.readFully(sha);
        yield new Op.Commit(id, chunks, sha, in.readUTF());
      }
      case ABORT -> new Op.Abort(Wire.uuid(in));
      case LEASE -> new Op.Lease(in.readUTF(), in.readLong(), in.readLong());
      case PIN -> new Op.Pin(in.readUTF());
      case READ -> new Op.Read(Wire.uuid(in), in.readLong(), in.readInt());
      case RELEASE -> new Op.Release(Wire.uuid(in));
      case STATUS -> new Op.Status(Wire.uuid(in));
      case INFO -> new Op.Info();
      case DEFLATE, DEFLATE_WITH_CRC -> new Op.Deflate(Wire.uuid(in), in.readLong(), in.readInt(),
          in.readUnsignedByte(), op == DEFLATE_WITH_CRC);
      default -> throw new IOException("unknown archive operation " + op);
    });
  }

  /** Returns the {@code BEGIN} entry of a restore. */
  public static Message begin(UUID id, long archiveBytes, byte[] metaJson) {
    return message(BEGIN, out -> {
      Wire.uuid(out, id);
      out.writeLong(archiveBytes);
      out.writeInt(metaJson.length);
      out.write(metaJson);
    });
  }

  /**
   * Returns a {@code CHUNK} entry; {@code payload} is wrapped, not copied, and must not change afterwards.
   *
   * @param id the restore
   * @param seq the chunk's number
   * @param payload an array holding the bytes from its start
   * @param length how many bytes of it to send
   * @return the message
   */
  public static Message chunk(UUID id, long seq, byte[] payload, int length) {
    ByteString header = header(CHUNK, out -> {
      Wire.uuid(out, id);
      out.writeLong(seq);
    });
    return Message.valueOf(header.concat(UnsafeByteOperations.unsafeWrap(payload, 0, length)));
  }

  /** Returns the {@code COMMIT} entry of a restore, for the membership the client counted. */
  public static Message commit(UUID id, long chunks, byte[] archiveSha256, String membership) {
    return message(COMMIT, out -> {
      Wire.uuid(out, id);
      out.writeLong(chunks);
      out.write(archiveSha256);
      out.writeUTF(membership);
    });
  }

  /** Returns the {@code ABORT} entry of a restore. */
  public static Message abort(UUID id) {
    return message(ABORT, out -> Wire.uuid(out, id));
  }

  /**
   * Returns a {@code LEASE} entry: take or renew the archiving lease for {@code ttlMillis} from
   * {@code requestedAtMillis}, or release it with a zero {@code ttlMillis}.
   *
   * @param holder who asks, at most 200 characters
   * @param requestedAtMillis the asker's clock (epoch milliseconds)
   * @param ttlMillis how long, at least 0
   * @return the message
   */
  public static Message lease(String holder, long requestedAtMillis, long ttlMillis) {
    if (holder.isEmpty() || holder.length() > 200 || ttlMillis < 0) {
      throw new IllegalArgumentException("lease holder '" + holder + "', ttl " + ttlMillis);
    }
    return message(LEASE, out -> {
      out.writeUTF(holder);
      out.writeLong(requestedAtMillis);
      out.writeLong(ttlMillis);
    });
  }

  /** Returns the {@code STATUS} query for a restore. */
  public static Message status(UUID id) {
    return message(STATUS, out -> Wire.uuid(out, id));
  }

  /** Returns the {@code INFO} query. */
  public static Message info() {
    return message(INFO, out -> { });
  }

  /** Returns the {@code PIN} query for the named server. */
  public static Message pin(String serverId) {
    return message(PIN, out -> out.writeUTF(serverId));
  }

  /** Returns the {@code READ} query of a range of a pinned file. */
  public static Message read(UUID pinId, long offset, int length) {
    return message(READ, out -> {
      Wire.uuid(out, pinId);
      out.writeLong(offset);
      out.writeInt(length);
    });
  }

  /**
   * Returns the {@code DEFLATE} query of a range of a pinned file, compressed at {@code level}; with
   * {@code withCrc}, the reply starts with the CRC-32 of the range's bytes.
   */
  public static Message deflate(UUID pinId, long offset, int length, int level, boolean withCrc) {
    return message(withCrc ? DEFLATE_WITH_CRC : DEFLATE, out -> {
      Wire.uuid(out, pinId);
      out.writeLong(offset);
      out.writeInt(length);
      out.writeByte(level);
    });
  }

  /** Returns the {@code RELEASE} query of a pin. */
  public static Message release(UUID pinId) {
    return message(RELEASE, out -> Wire.uuid(out, pinId));
  }

  private static Message message(byte op, Wire.Writer fields) {
    return Message.valueOf(header(op, fields));
  }

  private static ByteString header(byte op, Wire.Writer fields) {
    return Wire.bytes(out -> {
      out.write(MAGIC);
      out.writeByte(op);
      fields.write(out);
    });
  }
}
