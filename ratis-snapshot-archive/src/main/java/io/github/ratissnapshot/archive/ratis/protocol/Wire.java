package io.github.ratissnapshot.archive.ratis.protocol;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.UUID;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;

/** The field encodings every message and reply shares: big-endian, UUIDs as two longs, bounded strings. */
final class Wire {
  /** The longest message text a reply carries; longer ones are cut. */
  static final int MAX_TEXT = 4000;

  private Wire() {}

  /** Writes the fields of a message or reply. */
  @FunctionalInterface
  interface Writer {
    void write(DataOutputStream out) throws IOException;
  }

  /** Reads the fields of a reply. */
  @FunctionalInterface
  interface Reader<T> {
    T read(DataInputStream in) throws IOException;
  }

  static ByteString bytes(Writer w) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream(64);
    try (DataOutputStream out = new DataOutputStream(buf)) {
      w.write(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
    }
    return UnsafeByteOperations.unsafeWrap(buf.toByteArray());
  }

  static void uuid(DataOutputStream out, UUID id) throws IOException {
    out.writeLong(id.getMostSignificantBits());
    out.writeLong(id.getLeastSignificantBits());
  }

  static UUID uuid(DataInputStream in) throws IOException {
    return new UUID(in.readLong(), in.readLong());
  }

  /** Writes a string that may be null (as empty), cut to {@link #MAX_TEXT} characters. */
  static void text(DataOutputStream out, String s) throws IOException {
    String t = s == null ? "" : s;
    out.writeUTF(t.length() > MAX_TEXT ? t.substring(0, MAX_TEXT) + "..." : t);
  }

  /** Reads a string written by {@link #text}, returning null for empty. */
  static String optionalText(DataInputStream in) throws IOException {
    String s = in.readUTF();
    return s.isEmpty() ? null : s;
  }

  static int boundedCount(DataInputStream in, int max, String what) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > max) {
      throw new IOException(what + " " + n + " is out of range");
    }
    return n;
  }
}
