package io.github.ratissnapshot.archive.ratis.server;

import io.github.ratissnapshot.archive.ratis.protocol.RemoteArchiveException;
import io.github.ratissnapshot.archive.ratis.protocol.RemoteProblem;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;

/**
 * Snapshot files held for a remote reader: each pin is a hard link to a snapshot file in a directory of
 * our own outside {@code sm/}, so neither Ratis's retention nor an InstallSnapshot (which replaces
 * {@code sm/} wholesale) can take the bytes away while a client pulls them in chunks.
 *
 * <p>A pin that is not read for its time-to-live is dropped (checked whenever a pin is made or read). Pins do
 * not survive a restart: the directory is emptied when the state machine starts. Thread-safe: queries
 * arrive on several threads.
 */
final class SnapshotPins {
  private final Path directory;
  private final Duration ttl;
  private final Clock clock;
  private final Map<UUID, Pinned> pins = new ConcurrentHashMap<>();

  private static final class Pinned {
    final Path path;
    final long size;
    volatile long lastUsedMillis;

    Pinned(Path path, long size, long now) {
      this.path = path;
      this.size = size;
      this.lastUsedMillis = now;
    }
  }

  SnapshotPins(Path directory, Duration ttl, Clock clock) {
    this.directory = directory;
    this.ttl = ttl;
    this.clock = clock;
  }

  /** Creates the directory and removes pins left by an earlier run. */
  void reset() throws IOException {
    Files.createDirectories(directory);
    try (Stream<Path> files = Files.list(directory)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Files.deleteIfExists(f);
      }
    }
    pins.clear();
  }

  /**
   * Pins a snapshot's file.
   *
   * @return the pin's id
   * @throws IOException if the link cannot be made (the file was deleted meanwhile, say)
   */
  UUID pin(SingleFileSnapshotInfo snapshot) throws IOException {
    expire();
    UUID id = UUID.randomUUID();
    Path link = path(id);
    Path file = snapshot.getFile().getPath();
    try {
      Files.createLink(link, file);
    } catch (UnsupportedOperationException e) {
      Files.copy(file, link);
    }
    pins.put(id, new Pinned(link, Files.size(link), clock.millis()));
    return id;
  }

  /**
   * Reads up to {@code length} bytes of a pinned file at {@code offset}.
   *
   * @return the bytes; empty at the end of the file
   * @throws RemoteArchiveException if there is no such pin
   */
  ByteString read(UUID id, long offset, int length) throws IOException {
    return UnsafeByteOperations.unsafeWrap(read(id, offset, length, 0));
  }

  /**
   * Reads up to {@code length} bytes at {@code offset} of a pinned file, preceded by up to {@code before} bytes
   * before {@code offset}.
   *
   * @return the bytes: {@code min(before, offset)} bytes before the range, then the range, cut at the file's end
   * @throws RemoteArchiveException if there is no such pin
   */
  byte[] read(UUID id, long offset, int length, int before) throws IOException {
    expire();
    Pinned p = pins.get(id);
    if (p == null) {
      throw new RemoteArchiveException(RemoteProblem.NO_SUCH_PIN,
          "no snapshot pin " + id + " on this server (it expired or the server restarted)");
    }
    p.lastUsedMillis = clock.millis();
    if (offset < 0 || length < 0) {
      throw new IOException("bad read range " + offset + "+" + length);
    }
    int lead = (int) Math.min(before, Math.min(offset, p.size));
    int n = (int) Math.max(0, Math.min(length, p.size - offset));
    ByteBuffer buf = ByteBuffer.allocate(lead + n);
    try (FileChannel ch = FileChannel.open(p.path, StandardOpenOption.READ)) {
      while (buf.hasRemaining()) {
        if (ch.read(buf, offset - lead + buf.position()) < 0) {
          throw new IOException("pinned snapshot " + p.path + " is shorter than " + p.size + " bytes");
        }
      }
    }
    return buf.array();
  }

  /** Drops a pin; unknown ids are ignored. */
  void release(UUID id) throws IOException {
    Pinned p = pins.remove(id);
    if (p != null) {
      Files.deleteIfExists(p.path);
    }
  }

  /** Returns the file of a pin. */
  Path path(UUID id) {
    return directory.resolve(id + ".pin");
  }

  /** Returns the number of pins held, for tests. */
  int size() {
    return pins.size();
  }

  private void expire() throws IOException {
    long cutoff = clock.millis() - ttl.toMillis();
    for (Iterator<Map.Entry<UUID, Pinned>> it = pins.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<UUID, Pinned> e = it.next();
      if (e.getValue().lastUsedMillis < cutoff) {
        it.remove();
        Files.deleteIfExists(e.getValue().path);
      }
    }
  }
}
