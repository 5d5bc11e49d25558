package io.github.ratissnapshot.archive.ratis;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.server.protocol.TermIndex;

/**
 * A small key-value state machine for the integration tests: {@code PUT k v}, {@code DEL k}; queries
 * {@code GET k} and {@code COUNT}. Its state format starts with a magic so that a foreign state is refused.
 */
class KvTestStateMachine extends ArchivingStateMachine {
  private static final int MAGIC = 0x4b565431; // "KVT1"

  private volatile ConcurrentSkipListMap<String, String> data = new ConcurrentSkipListMap<>();

  /** Returns a copy of the entries. */
  Map<String, String> entries() {
    return new TreeMap<>(data);
  }

  static Message put(String key, String value) {
    return Message.valueOf("PUT " + key + " " + value);
  }

  /** Returns the bytes {@link #writeState} writes for {@code entries}: the state.bin of an archive. */
  static byte[] encode(Map<String, String> entries) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try {
      write(new DataOutputStream(buf), new TreeMap<>(entries));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return buf.toByteArray();
  }

  @Override
  public void writeState(OutputStream out) throws IOException {
    write(new DataOutputStream(out), data);
  }

  private static void write(DataOutputStream d, Map<String, String> entries) throws IOException {
    d.writeInt(MAGIC);
    d.writeInt(entries.size());
    for (Map.Entry<String, String> e : entries.entrySet()) {
      d.writeUTF(e.getKey());
      d.writeUTF(e.getValue());
    }
    d.flush();
  }

  @Override
  public void replaceState(InputStream in) throws IOException {
    DataInputStream d = new DataInputStream(in);
    try {
      if (d.readInt() != MAGIC) {
        throw new IOException("not a KvTestStateMachine state");
      }
      int n = d.readInt();
      ConcurrentSkipListMap<String, String> fresh = new ConcurrentSkipListMap<>();
      for (int i = 0; i < n; i++) {
        fresh.put(d.readUTF(), d.readUTF());
      }
      if (d.read() >= 0) {
        throw new IOException("trailing bytes after the state");
      }
      data = fresh;
    } catch (EOFException e) {
      throw new IOException("truncated KvTestStateMachine state", e);
    }
  }

  @Override
  protected Message applyOperation(TermIndex at, Message operation) throws IOException {
    String[] op = operation.getContent().toString(StandardCharsets.UTF_8).split(" ", 3);
    switch (op[0]) {
      case "PUT" -> data.put(op[1], op[2]);
      case "DEL" -> data.remove(op[1]);
      default -> throw new IOException("unknown operation " + op[0]);
    }
    return Message.valueOf("OK");
  }

  @Override
  protected Message queryState(Message query) throws IOException {
    String[] q = query.getContent().toString(StandardCharsets.UTF_8).split(" ", 2);
    return switch (q[0]) {
      case "GET" -> Message.valueOf(String.valueOf(data.get(q[1])));
      case "COUNT" -> Message.valueOf(Integer.toString(data.size()));
      default -> throw new IOException("unknown query " + q[0]);
    };
  }
}
