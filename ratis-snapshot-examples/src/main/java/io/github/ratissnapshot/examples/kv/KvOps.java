package io.github.ratissnapshot.examples.kv;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * The key-value example's messages: writes ({@code PUT}, {@code DELETE}, {@code PUT_BATCH}) and queries
 * ({@code GET}, {@code COUNT}, {@code DIGEST}), each an operation byte followed by its fields.
 */
public final class KvOps {
  static final byte PUT = 1;
  static final byte DELETE = 2;
  static final byte PUT_BATCH = 3;
  static final byte GET = 10;
  static final byte COUNT = 11;
  static final byte DIGEST = 12;

  private KvOps() {}

  /** A write that sets {@code key} to {@code value}. */
  public static Message put(String key, String value) {
    return message(out -> {
      out.writeByte(PUT);
      string(out, key);
      string(out, value);
    });
  }

  /** A write that removes {@code key}. */
  public static Message delete(String key) {
    return message(out -> {
      out.writeByte(DELETE);
      string(out, key);
    });
  }

  /** A write that sets many keys in one log entry. */
  public static Message putBatch(Map<String, String> entries) {
    return message(out -> {
      out.writeByte(PUT_BATCH);
      out.writeInt(entries.size());
      for (Map.Entry<String, String> e : entries.entrySet()) {
        string(out, e.getKey());
        string(out, e.getValue());
      }
    });
  }

  /** A query for the value of {@code key}. */
  public static Message get(String key) {
    return message(out -> {
      out.writeByte(GET);
      string(out, key);
    });
  }

  /** A query for the number of keys. */
  public static Message count() {
    return message(out -> out.writeByte(COUNT));
  }

  /** A query for the digest of all entries. */
  public static Message digest() {
    return message(out -> out.writeByte(DIGEST));
  }

  /** Applies a write to {@code store}; returns the reply. */
  static Message apply(KvStore store, ByteString op) throws IOException {
    DataInputStream in = new DataInputStream(op.newInput());
    byte code = in.readByte();
    switch (code) {
      case PUT -> {
        String previous = store.put(string(in), string(in)).orElse(null);
        return reply(out -> optional(out, previous));
      }
      case DELETE -> {
        String previous = store.delete(string(in)).orElse(null);
        return reply(out -> optional(out, previous));
      }
      case PUT_BATCH -> {
        int n = in.readInt();
        if (n < 0) {
          throw new IOException("negative batch size " + n);
        }
        Map<String, String> batch = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
          batch.put(string(in), string(in));
        }
        batch.forEach(store::put);
        return reply(out -> out.writeInt(n));
      }
      default -> throw new IOException("unknown write operation " + code);
    }
  }

  /** Answers a query from {@code store}. */
  static Message query(KvStore store, ByteString q) throws IOException {
    DataInputStream in = new DataInputStream(q.newInput());
    byte code = in.readByte();
    return switch (code) {
      case GET -> {
        String value = store.get(string(in)).orElse(null);
        yield reply(out -> optional(out, value));
      }
      case COUNT -> reply(out -> out.writeLong(store.size()));
      case DIGEST -> {
        KvStore.Digest d = store.digest();
        yield reply(out -> {
          out.writeLong(d.count());
          out.writeUTF(d.sha256());
        });
      }
      default -> throw new IOException("unknown query " + code);
    };
  }

  /** Reads an optional string reply (GET, PUT, DELETE). */
  public static String parseOptional(Message reply) throws IOException {
    DataInputStream in = new DataInputStream(reply.getContent().newInput());
    return in.readBoolean() ? string(in) : null;
  }

  /** Reads a COUNT reply. */
  public static long parseCount(Message reply) throws IOException {
    return new DataInputStream(reply.getContent().newInput()).readLong();
  }

  /** Reads a DIGEST reply. */
  public static KvStore.Digest parseDigest(Message reply) throws IOException {
    DataInputStream in = new DataInputStream(reply.getContent().newInput());
    return new KvStore.Digest(in.readLong(), in.readUTF());
  }

  private interface Fields {
    void write(DataOutputStream out) throws IOException;
  }

  private static Message message(Fields f) {
    return Message.valueOf(bytes(f));
  }

  private static Message reply(Fields f) {
    return Message.valueOf(bytes(f));
  }

  private static ByteString bytes(Fields f) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream(64);
    try (DataOutputStream out = new DataOutputStream(buf)) {
      f.write(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return ByteString.copyFrom(buf.toByteArray());
  }

  private static void optional(DataOutputStream out, String s) throws IOException {
    out.writeBoolean(s != null);
    if (s != null) {
      string(out, s);
    }
  }

  private static void string(DataOutputStream out, String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
  }

  private static String string(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > 16 << 20) {
      throw new IOException("bad string length " + n);
    }
    byte[] b = new byte[n];
    in.readFully(b);
    return new String(b, StandardCharsets.UTF_8);
  }
}
