package io.github.ratissnapshot.archive.ratis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.LongStream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.StateMachineLogEntryProto;
import org.apache.ratis.server.raftlog.LogProtoUtils;
import org.apache.ratis.server.raftlog.segmented.RatisSegmentReader;
import org.apache.ratis.server.raftlog.segmented.SegmentedRaftLogOutputStream;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.CodedOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Segments written by Ratis's own writer (which extends the file with zeros before each entry, as a server
 * does), torn as a kill during the write leaves them, and read back by Ratis's own reader as a server's
 * startup reads them.
 */
class TornLogTailTest {
  private static final int HEADER = 8;

  /** A segment Ratis wrote: where each entry starts, and where the last one ends. */
  private record Written(Path file, long[] starts, long end) {
    long lastStart() {
      return starts[starts.length - 1];
    }
  }

  /** Writes entries of {@code dataSizes} bytes of data, numbered from the index the file's name starts at. */
  private static Written write(Path file, int... dataSizes) throws IOException {
    Matcher named = Pattern.compile("log_(?:inprogress_)?(\\d+).*").matcher(file.getFileName().toString());
    long first = named.matches() ? Long.parseLong(named.group(1)) : 0;
    Random random = new Random(dataSizes.length);
    long[] starts = new long[dataSizes.length];
    long position = HEADER;
    try (SegmentedRaftLogOutputStream out = new SegmentedRaftLogOutputStream(file.toFile(), false,
        8L << 20, 4L << 20, ByteBuffer.allocateDirect(2 << 20))) {
      for (int i = 0; i < dataSizes.length; i++) {
        byte[] data = new byte[dataSizes[i]];
        random.nextBytes(data);
        LogEntryProto entry = LogProtoUtils.toLogEntryProto(
            StateMachineLogEntryProto.newBuilder().setLogData(ByteString.copyFrom(data)).build(), 1, first + i);
        starts[i] = position;
        int serialized = entry.getSerializedSize();
        position += CodedOutputStream.computeUInt32SizeNoTag(serialized) + serialized + 4;
        out.write(entry);
      }
      out.flush();
    }
    // Closing cut the zeros Ratis had put after the last entry; a server killed while appending leaves them.
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.setLength(Math.max(raf.length(), 4L << 20));
    }
    return new Written(file, starts, position);
  }

  /** Zeros {@code [from, to)}: what a write stopped at {@code from} leaves in space Ratis filled with zeros. */
  private static void zero(Path file, long from, long to) throws IOException {
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.seek(from);
      raf.write(new byte[(int) (to - from)]);
    }
  }

  private static List<Long> indices(int n) {
    return LongStream.range(0, n).boxed().toList();
  }

  @Test
  void aSegmentWhoseLastEntryIsTornKeepsTheEntriesBeforeItAndRatisThenReadsIt(@TempDir Path dir) throws Exception {
    Written w = write(dir.resolve("log_inprogress_0"), 100, 70_000, 1_048_576, 5_000);
    long size = Files.size(w.file());
    zero(w.file(), w.lastStart() + 1_000, w.end()); // the write reached 1,000 bytes into the last entry
    assertThatThrownBy(() -> RatisSegmentReader.readOpenSegment(w.file().toFile(), 0))
        .as("what a server's start fails with")
        .hasMessageContaining("Log entry corrupted: Calculated checksum is ")
        .hasMessageEndingWith(" but read checksum is 00000000.");
    byte[] before = Arrays.copyOf(Files.readAllBytes(w.file()), (int) w.lastStart());

    assertThat(TornLogTail.repairSegment(w.file(), -1))
        .contains(new TornLogTail.Repair(w.file(), 3, w.lastStart(), size - w.lastStart()));

    assertThat(Files.readAllBytes(w.file())).isEqualTo(before);
    assertThat(RatisSegmentReader.readOpenSegment(w.file().toFile(), 0)).isEqualTo(indices(3));
    assertThat(TornLogTail.repairSegment(w.file(), -1)).as("a second pass").isEmpty();
  }

  @Property(tries = 40)
  void anyTearInsideTheLastEntryDropsExactlyThatEntry(
      @ForAll @Size(min = 1, max = 5) List<@IntRange(max = 200_000) Integer> sizes,
      @ForAll @IntRange(min = 1, max = Integer.MAX_VALUE) int tearSeed) throws IOException {
    Path dir = Files.createTempDirectory("torn");
    try {
      Written w = write(dir.resolve("log_inprogress_7"), sizes.stream().mapToInt(Integer::intValue).toArray());
      long size = Files.size(w.file());
      // The write stopped after at least one byte of the entry and before the last byte of its checksum
      // (possibly inside the checksum).
      long tear = w.lastStart() + 1 + tearSeed % (w.end() - w.lastStart() - 1);
      zero(w.file(), tear, w.end());
      byte[] before = Arrays.copyOf(Files.readAllBytes(w.file()), (int) w.lastStart());

      assertThat(TornLogTail.repairSegment(w.file(), -1))
          .contains(new TornLogTail.Repair(w.file(), sizes.size() - 1, w.lastStart(), size - w.lastStart()));
      assertThat(Files.readAllBytes(w.file())).isEqualTo(before);
      assertThat(RatisSegmentReader.readOpenSegment(w.file().toFile(), 7))
          .isEqualTo(LongStream.range(7, 7 + sizes.size() - 1).boxed().toList());
    } finally {
      try (var files = Files.list(dir)) {
        for (Path f : files.toList()) {
          Files.delete(f);
        }
      }
      Files.delete(dir);
    }
  }

  @Test
  void aWriteThatStoppedInsideTheChecksumIsATornTailAndAWrongChecksumPrefixIsNot(@TempDir Path dir)
      throws Exception {
    for (int written = 0; written < 4; written++) {
      Written w = write(dir.resolve("log_inprogress_" + written), 5_000, 6_000);
      zero(w.file(), w.end() - 4 + written, w.end());
      assertThat(TornLogTail.repairSegment(w.file(), -1)).as("%d checksum bytes written", written)
          .hasValueSatisfying(r -> assertThat(r.keptBytes()).isEqualTo(w.lastStart()));
      assertThat(RatisSegmentReader.readOpenSegment(w.file().toFile(), written)).containsExactly((long) written);
    }
    Written wrong = write(dir.resolve("wrong"), 5_000, 6_000);
    zero(wrong.file(), wrong.end() - 3, wrong.end());
    try (RandomAccessFile raf = new RandomAccessFile(wrong.file().toFile(), "rw")) {
      raf.seek(wrong.end() - 4);
      int b = raf.read();
      raf.seek(wrong.end() - 4);
      raf.write(b ^ 0x10); // the one checksum byte written is not the checksum's
    }
    byte[] before = Files.readAllBytes(wrong.file());
    assertThat(TornLogTail.repairSegment(wrong.file(), -1)).isEmpty();
    assertThat(Files.readAllBytes(wrong.file())).isEqualTo(before);
  }

  @Test
  void aTornOnlyEntryLeavesTheHeaderAlone(@TempDir Path dir) throws Exception {
    Written w = write(dir.resolve("log_inprogress_0"), 300_000);
    zero(w.file(), HEADER + 10, w.end());

    assertThat(TornLogTail.repairSegment(w.file(), -1)).hasValueSatisfying(r -> {
      assertThat(r.entriesKept()).isZero();
      assertThat(r.keptBytes()).isEqualTo(HEADER);
    });
    assertThat(Files.size(w.file())).isEqualTo(HEADER);
    assertThat(RatisSegmentReader.readOpenSegment(w.file().toFile(), 0)).isEmpty();
  }

  @Test
  void anIntactSegmentIsLeftByteForByte(@TempDir Path dir) throws Exception {
    Written w = write(dir.resolve("log_inprogress_0"), 0, 1, 127, 128, 16_383, 16_384, 1_048_576);
    byte[] before = Files.readAllBytes(w.file());

    assertThat(TornLogTail.repairSegment(w.file(), -1)).isEmpty();
    assertThat(Files.readAllBytes(w.file())).isEqualTo(before);
    assertThat(RatisSegmentReader.readOpenSegment(w.file().toFile(), 0)).isEqualTo(indices(7));
  }

  @Test
  void corruptionThatIsNotATornTailIsLeftForRatisToRefuse(@TempDir Path dir) throws Exception {
    List<Path> cases = new ArrayList<>();
    // A byte flipped inside the middle entry: a wrong checksum that is not zero.
    Written flipped = write(dir.resolve("flipped"), 1_000, 1_000, 1_000);
    try (RandomAccessFile raf = new RandomAccessFile(flipped.file().toFile(), "rw")) {
      raf.seek(flipped.starts()[1] + 500);
      int b = raf.read();
      raf.seek(flipped.starts()[1] + 500);
      raf.write(b ^ 1);
    }
    cases.add(flipped.file());
    // The last entry's checksum zeroed, but a byte after it is not zero.
    Written later = write(dir.resolve("later"), 1_000, 1_000);
    zero(later.file(), later.end() - 4, later.end());
    try (RandomAccessFile raf = new RandomAccessFile(later.file().toFile(), "rw")) {
      raf.seek(later.end() + 4096);
      raf.write(1);
    }
    cases.add(later.file());
    // A middle entry torn: entries follow it, so this is not the tail.
    Written middle = write(dir.resolve("middle"), 1_000, 1_000, 1_000);
    zero(middle.file(), middle.starts()[1] + 10, middle.starts()[2]);
    cases.add(middle.file());
    // Not Ratis's header.
    Written header = write(dir.resolve("header"), 1_000);
    zero(header.file(), 0, 4);
    zero(header.file(), header.lastStart() + 10, header.end());
    cases.add(header.file());

    for (Path c : cases) {
      byte[] before = Files.readAllBytes(c);
      assertThat(TornLogTail.repairSegment(c, -1)).as(c.toString()).isEmpty();
      assertThat(Files.readAllBytes(c)).as(c.toString()).isEqualTo(before);
      assertThatThrownBy(() -> RatisSegmentReader.readOpenSegment(c.toFile(), 0)).as(c.toString())
          .isInstanceOf(IOException.class);
    }
  }

  @Test
  void aStorageDirectoryIsRepairedInTheOpenSegmentOfEachGroupAndNowhereElse(@TempDir Path dir) throws Exception {
    Path torn = Files.createDirectories(dir.resolve("02511d47-d67c-49a3-9011-abb3109a44c1/current"));
    Path intact = Files.createDirectories(dir.resolve("1a2b3c4d-d67c-49a3-9011-abb3109a44c1/current"));
    Written open = write(torn.resolve("log_inprogress_12"), 2_000, 3_000);
    zero(open.file(), open.lastStart() + 100, open.end());
    Written closed = write(torn.resolve("log_0-11"), 2_000, 3_000);
    zero(closed.file(), closed.lastStart() + 100, closed.end());
    byte[] closedBefore = Files.readAllBytes(closed.file());
    Written other = write(torn.resolve("log_inprogress_12.bak"), 2_000, 3_000);
    zero(other.file(), other.lastStart() + 100, other.end());
    byte[] otherBefore = Files.readAllBytes(other.file());
    Written fine = write(intact.resolve("log_inprogress_0"), 2_000);
    byte[] fineBefore = Files.readAllBytes(fine.file());
    long openSize = Files.size(open.file());

    assertThat(TornLogTail.repair(dir))
        .containsExactly(new TornLogTail.Repair(open.file(), 1, open.lastStart(), openSize - open.lastStart()));
    assertThat(Files.readAllBytes(closed.file())).as("a closed segment").isEqualTo(closedBefore);
    assertThat(Files.readAllBytes(other.file())).as("not a segment's name").isEqualTo(otherBefore);
    assertThat(Files.readAllBytes(fine.file())).isEqualTo(fineBefore);
    assertThat(TornLogTail.repair(dir.resolve("missing"))).isEmpty();
    assertThat(torn.getParent().resolve("in_use.lock")).as("the lock it took and created").doesNotExist();
  }

  @Test
  void aTornEntryThatASnapshotCoversWasWrittenWholeAndIsLeftAlone(@TempDir Path dir) throws Exception {
    Path group = dir.resolve("02511d47-d67c-49a3-9011-abb3109a44c1");
    Path current = Files.createDirectories(group.resolve("current"));
    Path sm = Files.createDirectories(group.resolve("sm"));
    Written open = write(current.resolve("log_inprogress_10"), 2_000, 3_000, 4_000); // entries 10, 11, 12
    zero(open.file(), open.lastStart() + 100, open.end());
    byte[] before = Files.readAllBytes(open.file());
    Files.writeString(sm.resolve("snapshot.2_12"), "applied up to 12");
    Files.writeString(sm.resolve("snapshot.2_12.md5"), "");
    Files.writeString(sm.resolve("snapshot.1_7"), "older");

    assertThat(TornLogTail.latestSnapshotIndex(sm)).isEqualTo(12);
    assertThat(TornLogTail.repair(dir)).as("entry 12 was applied, so it was flushed whole").isEmpty();
    assertThat(Files.readAllBytes(open.file())).isEqualTo(before);

    Files.delete(sm.resolve("snapshot.2_12"));
    Files.writeString(sm.resolve("snapshot.2_11"), "applied up to 11");
    assertThat(TornLogTail.repair(dir)).singleElement()
        .satisfies(r -> assertThat(r.entriesKept()).isEqualTo(2));
    assertThat(RatisSegmentReader.readOpenSegment(open.file().toFile(), 10)).containsExactly(10L, 11L);
  }

  @Test
  void aGroupARunningServerHoldsIsLeftAlone(@TempDir Path dir) throws Exception {
    Path current = Files.createDirectories(dir.resolve("02511d47-d67c-49a3-9011-abb3109a44c1/current"));
    Written open = write(current.resolve("log_inprogress_0"), 2_000, 3_000);
    zero(open.file(), open.lastStart() + 100, open.end());
    byte[] before = Files.readAllBytes(open.file());
    Path lockFile = current.getParent().resolve("in_use.lock");
    try (FileChannel held = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = held.lock()) {
      assertThat(TornLogTail.repair(dir)).isEmpty();
      assertThat(Files.readAllBytes(open.file())).isEqualTo(before);
    }
    assertThat(lockFile).as("the server's lock file").exists();
    assertThat(TornLogTail.repair(dir)).hasSize(1);
    assertThat(lockFile).as("a lock file it did not create").exists();
    assertThat(new TornLogTail.Repair(open.file(), 1, 1234, 4_193_000)).hasToString("dropped the torn last entry of "
        + open.file() + " (never flushed): kept 1 entries in 1,234 bytes, cut 4,193,000 bytes");
  }
}
