package io.github.ratissnapshot.archive.ratis;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drops the torn last entry of a Ratis server's open log segment, which Ratis 3.1 to 3.3 refuse to start
 * with. A server stopped while it appends (a {@code kill -9}, a crash) can leave its last entry half
 * written: Ratis extends the segment with zeros before it writes an entry, so the bytes the write never
 * reached, the entry's checksum among them, read as zeros, and the server then fails at every start with
 * "Failed to initRaftLog.: Log entry corrupted: Calculated checksum is … but read checksum is 00000000"
 * (Ratis ignores a half-written last entry only where the file ends inside it). Such an entry was never
 * flushed, so the server never acknowledged it or counted it towards a commit, and dropping it is what Ratis
 * does with a torn entry at the end of the file; the leader sends it again. etcd repairs a torn write-ahead
 * log tail at startup the same way.
 *
 * <p>Only that case is repaired: in a file named {@code log_inprogress_*} with Ratis's header, every entry
 * before the torn one checks against its CRC-32C, the torn entry's stored checksum is zero or the first one
 * to three bytes of the right checksum followed by zeros (the write stopped inside it), and every byte after
 * it up to the end of the file is zero, and no snapshot in the group's {@code sm} directory covers the torn
 * entry's index. Anything else (a corrupt header, an entry with a wrong non-zero
 * checksum, a non-zero byte after the tear, a closed segment) is left exactly as it is for Ratis to refuse,
 * since dropping entries that were acknowledged could lose committed data.
 *
 * <p>Call {@link #repair} with the server's storage directory before building the server. {@code ratis-snapshot cluster node} does so at every start.
 */
public final class TornLogTail {
  private static final Logger LOG = LoggerFactory.getLogger(TornLogTail.class);
  private static final byte[] HEADER = "RaftLog1".getBytes(StandardCharsets.UTF_8);
  /** Ratis's name for an open segment: {@code log_inprogress_<first index>}. */
  private static final Pattern OPEN_SEGMENT = Pattern.compile("log_inprogress_(\\d+)");
  /** A snapshot file of the state machine directory: {@code snapshot.<term>_<index>}. */
  private static final Pattern SNAPSHOT = Pattern.compile("snapshot\\.\\d+_(\\d+)");
  /** The file a Ratis server locks in each group directory it uses. */
  private static final String LOCK = "in_use.lock";

  private TornLogTail() {}

  /**
   * A torn last entry dropped from an open segment.
   *
   * @param segment the segment file
   * @param entriesKept the entries before the torn one, which are kept
   * @param keptBytes the file's length now: its header and the entries kept
   * @param droppedBytes the bytes cut off: the torn entry and the zeros Ratis had put after it
   */
  public record Repair(Path segment, int entriesKept, long keptBytes, long droppedBytes) {
    @Override
    public String toString() {
      return String.format("dropped the torn last entry of %s (never flushed): kept %d entries in %,d bytes, cut "
          + "%,d bytes", segment, entriesKept, keptBytes, droppedBytes);
    }
  }

  /**
   * Repairs the open segment of every group in a server's storage directory ({@code
   * raft.server.storage.dir}, which holds one directory per group). Each group's directory is locked as Ratis
   * locks it ({@code in_use.lock}) while its segments are read; a group a running server holds is left alone.
   *
   * @param storageDir the storage directory; a missing one holds nothing to repair
   * @return the repairs made, each also logged at WARN; empty if nothing was torn
   * @throws IOException if a segment cannot be read or cut; a segment cut is fsynced before this returns
   */
  public static List<Repair> repair(Path storageDir) throws IOException {
    List<Repair> repairs = new ArrayList<>();
    if (!Files.isDirectory(storageDir)) {
      return repairs;
    }
    try (DirectoryStream<Path> groups = Files.newDirectoryStream(storageDir, Files::isDirectory)) {
      for (Path group : groups) {
        if (Files.isDirectory(group.resolve("current"))) {
          repairGroup(group, repairs);
        }
      }
    }
    return repairs;
  }

  /** Repairs one group's open segments while holding Ratis's lock on the group's directory. */
  private static void repairGroup(Path group, List<Repair> repairs) throws IOException {
    Path lockFile = group.resolve(LOCK);
    boolean created = !Files.exists(lockFile);
    try (FileChannel lockChannel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      FileLock lock = tryLock(lockChannel);
      if (lock == null) {
        LOG.info("{} is in use by a running server; its log is left alone", group);
        return;
      }
      try (lock; DirectoryStream<Path> segments = Files.newDirectoryStream(group.resolve("current"),
          f -> OPEN_SEGMENT.matcher(f.getFileName().toString()).matches())) {
        long snapshotIndex = latestSnapshotIndex(group.resolve("sm"));
        for (Path segment : segments) {
          Optional<Repair> r = repairSegment(segment, snapshotIndex);
          if (r.isPresent()) {
            LOG.warn("{}", r.get());
            repairs.add(r.get());
          }
        }
      } finally {
        if (created) {
          Files.deleteIfExists(lockFile);
        }
      }
    }
  }

  /** The lock, or null if another process or this JVM holds it. */
  private static FileLock tryLock(FileChannel channel) throws IOException {
    try {
      return channel.tryLock();
    } catch (OverlappingFileLockException e) {
      return null;
    }
  }

  /**
   * The index of the latest snapshot in a state machine directory that names its snapshots as Ratis's
   * {@code SimpleStateMachineStorage} and this library do ({@code snapshot.<term>_<index>}); -1 if none.
   */
  static long latestSnapshotIndex(Path smDir) throws IOException {
    long latest = -1;
    if (!Files.isDirectory(smDir)) {
      return latest;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(smDir)) {
      for (Path f : files) {
        Matcher m = SNAPSHOT.matcher(f.getFileName().toString());
        if (m.matches()) {
          latest = Math.max(latest, Long.parseLong(m.group(1)));
        }
      }
    }
    return latest;
  }

  /**
   * Repairs one open segment file if, and only if, its last entry is torn as the class describes, and the
   * torn entry's index (the segment's first index plus the entries before it) is after {@code snapshotIndex}:
   * an entry a snapshot covers was applied, so it had been flushed, and its damage is corruption, not a tear.
   *
   * @param segment a {@code log_inprogress_<first index>} file
   * @param snapshotIndex the index of the group's latest snapshot, or -1
   * @return the repair, or empty if the file was left as it is
   * @throws IOException if the file cannot be read or cut
   */
  static Optional<Repair> repairSegment(Path segment, long snapshotIndex) throws IOException {
    long size = Files.size(segment);
    long tornAt;
    int kept = 0;
    try (CountingInput in = new CountingInput(Files.newInputStream(segment))) {
      byte[] header = new byte[HEADER.length];
      if (in.readUpTo(header) != HEADER.length || !Arrays.equals(header, HEADER)) {
        return Optional.empty();
      }
      byte[] varint = new byte[5];
      while (true) {
        long start = in.position();
        int b = in.read();
        if (b <= 0) {
          return Optional.empty(); // the end of the file, or the zeros after the last entry: nothing torn
        }
        // The entry's length, a protobuf varint of at most five bytes, then the entry, then its CRC-32C.
        int n = 0;
        varint[n++] = (byte) b;
        long length = b & 0x7f;
        for (int shift = 7; (b & 0x80) != 0; shift += 7) {
          b = in.read();
          if (n == varint.length || b < 0) {
            return Optional.empty(); // not a length Ratis wrote, or cut short: Ratis says which
          }
          varint[n++] = (byte) b;
          length |= (long) (b & 0x7f) << shift;
        }
        if (in.position() + length + Integer.BYTES > size) {
          return Optional.empty(); // cut short by the end of the file: Ratis ignores that itself
        }
        CRC32C crc = new CRC32C();
        crc.update(varint, 0, n);
        in.checksum(crc, length);
        int stored = in.readInt();
        if (stored == (int) crc.getValue()) {
          kept++;
          continue;
        }
        if (!isTornChecksum(stored, (int) crc.getValue()) || !in.restIsZero()) {
          return Optional.empty(); // corrupt, not torn: Ratis refuses it, as it should
        }
        tornAt = start;
        break;
      }
    }
    Matcher name = OPEN_SEGMENT.matcher(segment.getFileName().toString());
    long tornIndex = name.matches() ? Long.parseLong(name.group(1)) + kept : Long.MAX_VALUE;
    if (tornIndex <= snapshotIndex) {
      LOG.warn("{} looks torn at entry {}, but a snapshot covers up to {}: that entry had been written whole; "
          + "left as it is", segment, tornIndex, snapshotIndex);
      return Optional.empty();
    }
    try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.WRITE)) {
      ch.truncate(tornAt);
      ch.force(true);
    }
    return Optional.of(new Repair(segment, kept, tornAt, size - tornAt));
  }

  /**
   * Whether {@code stored} is what a write stopped inside or before the checksum leaves: the first bytes of
   * {@code computed} (big-endian, as Ratis writes it), possibly none, and zeros for the rest.
   */
  private static boolean isTornChecksum(int stored, int computed) {
    for (int written = 0; written < Integer.BYTES; written++) {
      int mask = written == 0 ? 0 : -1 << (8 * (Integer.BYTES - written));
      if (stored == (computed & mask)) {
        return true;
      }
    }
    return false;
  }

  /** A buffered stream that knows its position. */
  private static final class CountingInput implements AutoCloseable {
    private final DataInputStream in;
    private final byte[] buffer = new byte[64 * 1024];
    private long position;

    CountingInput(InputStream in) {
      this.in = new DataInputStream(new BufferedInputStream(in, 1 << 16));
    }

    long position() {
      return position;
    }

    int read() throws IOException {
      int b = in.read();
      if (b >= 0) {
        position++;
      }
      return b;
    }

    int readUpTo(byte[] b) throws IOException {
      int n = in.readNBytes(b, 0, b.length);
      position += n;
      return n;
    }

    int readInt() throws IOException {
      int v = in.readInt();
      position += Integer.BYTES;
      return v;
    }

    /** Reads the next {@code length} bytes into {@code crc}. */
    void checksum(CRC32C crc, long length) throws IOException {
      for (long left = length; left > 0; ) {
        int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
        if (n < 0) {
          throw new EOFException("segment ends inside an entry");
        }
        crc.update(buffer, 0, n);
        position += n;
        left -= n;
      }
    }

    boolean restIsZero() throws IOException {
      for (int n; (n = in.read(buffer)) > 0; ) {
        for (int i = 0; i < n; i++) {
          if (buffer[i] != 0) {
            return false;
          }
        }
        position += n;
      }
      return true;
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }
}
