package io.github.ratissnapshot.examples.kv;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The example's data: a sorted map of string keys to string values, and its snapshot format.
 *
 * <p>The format is {@code "RSKV"} and a version byte, then per entry a UTF-8 key and value each prefixed
 * by its length, then an end marker and the entry count, so that a truncated or foreign stream is
 * rejected instead of loaded. {@link #readFrom} builds a new map and swaps it in only when the whole
 * stream parsed: a failed restore leaves the old data in place.
 *
 * <p>Thread-safe: every method is synchronized; Ratis applies entries on one thread and answers queries
 * on others.
 */
public final class KvStore {
  private static final byte[] MAGIC = {'R', 'S', 'K', 'V', 1};
  private static final int END = -1;
  private static final int MAX_STRING = 16 << 20;

  private TreeMap<String, String> data = new TreeMap<>();

  /** Sets {@code key} to {@code value}; returns the previous value. */
  public synchronized Optional<String> put(String key, String value) {
    return Optional.ofNullable(data.put(key, value));
  }

  /** Removes {@code key}; returns the value it had. */
  public synchronized Optional<String> delete(String key) {
    return Optional.ofNullable(data.remove(key));
  }

  /** Returns the value of {@code key}. */
  public synchronized Optional<String> get(String key) {
    return Optional.ofNullable(data.get(key));
  }

  /** Returns the number of keys. */
  public synchronized int size() {
    return data.size();
  }

  /**
   * Returns the SHA-256 over every entry in key order ({@code key NUL value LF}), so that two stores can be
   * compared entry by entry with one query.
   */
  public synchronized Digest digest() {
    MessageDigest d;
    try {
      d = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
    for (Map.Entry<String, String> e : data.entrySet()) {
      d.update(e.getKey().getBytes(StandardCharsets.UTF_8));
      d.update((byte) 0);
      d.update(e.getValue().getBytes(StandardCharsets.UTF_8));
      d.update((byte) '\n');
    }
    return new Digest(data.size(), HexFormat.of().formatHex(d.digest()));
  }

  /** The number of entries and the SHA-256 over all of them. */
  public record Digest(long count, String sha256) {}

  /** Returns a copy of all entries, for tests and checks. */
  public synchronized Map<String, String> snapshot() {
    return new TreeMap<>(data);
  }

  /**
   * Writes every entry to {@code out} in the snapshot format; {@code out} is flushed, not closed.
   *
   * @throws IOException if writing fails
   */
  public synchronized void writeTo(OutputStream out) throws IOException {
    DataOutputStream d = new DataOutputStream(new BufferedOutputStream(out, 1 << 16));
    d.write(MAGIC);
    for (Map.Entry<String, String> e : data.entrySet()) {
      writeString(d, e.getKey());
      writeString(d, e.getValue());
    }
    d.writeInt(END);
    d.writeLong(data.size());
    d.flush();
  }

  /**
   * Replaces all entries with those read from {@code in}; on any failure the current entries stay.
   *
   * @throws IOException if the stream is not a complete snapshot of this format
   */
  public void readFrom(InputStream in) throws IOException {
    DataInputStream d = new DataInputStream(new BufferedInputStream(in, 1 << 16));
    byte[] magic = new byte[MAGIC.length];
    try {
      d.readFully(magic);
    } catch (EOFException e) {
      throw new IOException("not a key-value snapshot: it is empty or shorter than its header");
    }
    if (!Arrays.equals(magic, MAGIC)) {
      throw new IOException("not a key-value snapshot: it does not start with RSKV version 1");
    }
    TreeMap<String, String> fresh = new TreeMap<>();
    try {
      while (true) {
        String key = readString(d);
        if (key == null) {
          break;
        }
        String value = readString(d);
        if (value == null) {
          throw new IOException("key-value snapshot is corrupt: key without a value");
        }
        fresh.put(key, value);
      }
      long count = d.readLong();
      if (count != fresh.size()) {
        throw new IOException("key-value snapshot is corrupt: it declares " + count + " entries but holds "
            + fresh.size());
      }
    } catch (EOFException e) {
      throw new IOException("key-value snapshot is truncated after " + fresh.size() + " entries", e);
    }
    if (d.read() >= 0) {
      throw new IOException("key-value snapshot is corrupt: bytes follow its end");
    }
    synchronized (this) {
      data = fresh;
    }
  }

  private static void writeString(DataOutputStream d, String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    d.writeInt(b.length);
    d.write(b);
  }

  private static String readString(DataInputStream d) throws IOException {
    int len = d.readInt();
    if (len == END) {
      return null;
    }
    if (len < 0 || len > MAX_STRING) {
      throw new IOException("key-value snapshot is corrupt: string length " + len);
    }
    byte[] b = new byte[len];
    d.readFully(b);
    return new String(b, StandardCharsets.UTF_8);
  }
}
