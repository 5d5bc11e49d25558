package io.github.ratissnapshot.archive.format;

import static io.github.ratissnapshot.archive.format.Fixtures.META;
import static io.github.ratissnapshot.archive.format.Fixtures.STATE;
import static io.github.ratissnapshot.archive.format.Fixtures.gunzip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Archives whose state arrives as segments compressed elsewhere ({@link RawDeflate#segment}, as a server
 * sends them): the same tar as a local write, a gzip member every reader accepts, and a refusal naming the
 * segment for anything that is not the state declared.
 */
class SplicedArchiveTest {
  @ParameterizedTest
  @ValueSource(ints = {1, 7, 512, 4096, 32 * 1024, 100_000, 1 << 20})
  void segmentsOfAnySizeMakeTheSameTarAsALocalWrite(int rangeSize) throws Exception {
    byte[] state = readAll(TestStates.stream(3, 300_000));
    SnapshotMeta meta = META.withSize(state.length);
    ByteArrayOutputStream local = new ByteArrayOutputStream();
    ArchiveSummary localSummary = Fixtures.writer().write(local, meta, new ByteArrayInputStream(state));

    ByteArrayOutputStream spliced = new ByteArrayOutputStream();
    Segments segments = Segments.of(state, ranges(state.length, rangeSize), 6);
    ArchiveSummary splicedSummary = Fixtures.writer().write(spliced, meta, segments);

    assertThat(gunzip(spliced.toByteArray())).isEqualTo(gunzip(local.toByteArray()));
    assertThat(splicedSummary).isEqualTo(localSummary);
    assertThat(ArchiveReader.defaults().verify(new ByteArrayInputStream(spliced.toByteArray())))
        .isEqualTo(localSummary);
    assertThat(segments.inflated.toByteArray()).as("bytes told to inflated()").isEqualTo(state);
    // The same 10-byte header as the local writer's, so the level it names is the one used.
    assertThat(Arrays.copyOf(spliced.toByteArray(), 10)).isEqualTo(Arrays.copyOf(local.toByteArray(), 10));
  }

  @Test
  void segmentsCompressAlmostAsWellAsOnePass() throws Exception {
    byte[] state = readAll(TestStates.stream(5, 4 << 20));
    SnapshotMeta meta = META.withSize(state.length);
    ByteArrayOutputStream local = new ByteArrayOutputStream();
    Fixtures.writer().write(local, meta, new ByteArrayInputStream(state));
    ByteArrayOutputStream spliced = new ByteArrayOutputStream();

    Fixtures.writer().write(spliced, meta, Segments.of(state, ranges(state.length, 256 << 10), 6));

    // Each 256 KiB range starts with the 32 KiB before it as dictionary, as the local writer's blocks do.
    assertThat((double) spliced.size()).isLessThan(local.size() * 1.01);
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 9})
  void everyLevelReadsBack(int level) throws Exception {
    ArchiveWriter writer = ArchiveWriter.newBuilder().clock(Fixtures.CLOCK).level(level).build();
    ByteArrayOutputStream local = new ByteArrayOutputStream();
    writer.write(local, META, new ByteArrayInputStream(STATE));
    ByteArrayOutputStream spliced = new ByteArrayOutputStream();

    writer.write(spliced, META, Segments.of(STATE, ranges(STATE.length, 1000), level));

    assertThat(gunzip(spliced.toByteArray())).isEqualTo(gunzip(local.toByteArray()));
    assertThat(Arrays.copyOf(spliced.toByteArray(), 10)).isEqualTo(Arrays.copyOf(local.toByteArray(), 10));
  }

  @Test
  void anEmptyStateHasNoSegments() throws Exception {
    SnapshotMeta meta = META.withSize(0);
    ByteArrayOutputStream local = new ByteArrayOutputStream();
    Fixtures.writer().write(local, meta, InputStream.nullInputStream());
    ByteArrayOutputStream spliced = new ByteArrayOutputStream();

    Fixtures.writer().write(spliced, meta, Segments.of(new byte[0], List.of(), 6));

    assertThat(gunzip(spliced.toByteArray())).isEqualTo(gunzip(local.toByteArray()));
  }

  @Property(tries = 40)
  void anySplitOfTheStateMakesTheSameTar(@ForAll @Size(max = 12) List<@IntRange(min = 1, max = 70_000) Integer> cuts,
      @ForAll @IntRange(min = 0, max = 200_000) int size, @ForAll @IntRange(min = 1, max = 500) int seed)
      throws Exception {
    byte[] state = readAll(TestStates.stream(seed, size));
    List<int[]> ranges = ranges(cuts, size);
    SnapshotMeta meta = META.withSize(size);
    ByteArrayOutputStream local = new ByteArrayOutputStream();
    Fixtures.writer().write(local, meta, new ByteArrayInputStream(state));
    ByteArrayOutputStream spliced = new ByteArrayOutputStream();

    Fixtures.writer().write(spliced, meta, Segments.of(state, ranges, 6));

    assertThat(gunzip(spliced.toByteArray())).isEqualTo(gunzip(local.toByteArray()));
  }

  @Test
  void aSegmentThatEndsTheStreamIsRefusedNamingIt() {
    List<byte[]> segments = new ArrayList<>(Segments.of(STATE, ranges(STATE.length, 1000), 6).queue);
    byte[] input = Arrays.copyOfRange(STATE, 1000, 2000);
    java.util.zip.Deflater d = new java.util.zip.Deflater(6, true);
    segments.set(1, RawDeflate.deflate(d, STATE, 0, 1000, input, 0, input.length, true));
    d.end();

    assertThatThrownBy(() -> Fixtures.writer().write(new ByteArrayOutputStream(), META, new Segments(segments)))
        .isInstanceOfSatisfying(CorruptArchiveException.class, e -> {
          assertThat(e.problem()).isEqualTo(ArchiveException.Problem.BAD_COMPRESSED_DATA);
          assertThat(e.entryName()).isEqualTo("state.bin");
        })
        .hasMessage("compressed state segment 1 (from state byte 1,000) ends the deflate stream");
  }

  @Test
  void aSegmentThatIsNotDeflateDataIsRefusedNamingIt() {
    List<byte[]> segments = new ArrayList<>(Segments.of(STATE, ranges(STATE.length, 1000), 6).queue);
    segments.set(2, new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff});

    assertThatThrownBy(() -> Fixtures.writer().write(new ByteArrayOutputStream(), META, new Segments(segments)))
        .isInstanceOf(CorruptArchiveException.class)
        .hasMessageStartingWith("compressed state segment 2 (from state byte 2,000) is not valid deflate data: ");
  }

  @Test
  void aLastSegmentCutInsideItsBlockIsRefusedThoughItsBytesAllInflate() {
    List<byte[]> segments = new ArrayList<>(Segments.of(STATE, ranges(STATE.length, 1000), 6).queue);
    byte[] last = segments.get(2);
    // Without the 4 bytes that close its sync flush's empty stored block, the segment still yields every byte
    // of its range, but the archive's own last block would be read as part of the cut one.
    segments.set(2, Arrays.copyOf(last, last.length - 4));

    assertThatThrownBy(() -> Fixtures.writer().write(new ByteArrayOutputStream(), META, new Segments(segments)))
        .isInstanceOf(CorruptArchiveException.class)
        .hasMessage("the compressed state's last segment does not end at a block boundary");
  }

  @Test
  void segmentsThatInflateToMoreOrLessThanTheSizeAreRefused() {
    SnapshotMeta shorter = META.withSize(STATE.length - 1);
    SnapshotMeta longer = META.withSize(STATE.length + 1);

    assertThatThrownBy(() -> Fixtures.writer().write(new ByteArrayOutputStream(), shorter,
        Segments.of(STATE, ranges(STATE.length, 1000), 6)))
        .isInstanceOf(StateSizeException.class)
        .hasMessage("the compressed state inflates to more than the 2,999 bytes meta.json Size declares");
    assertThatThrownBy(() -> Fixtures.writer().write(new ByteArrayOutputStream(), longer,
        Segments.of(STATE, ranges(STATE.length, 1000), 6)))
        .isInstanceOf(StateSizeException.class)
        .hasMessage("the compressed state inflates to 3,000 bytes; meta.json Size declares 3,001");
  }

  @Test
  void segmentRefusesALevelOrRangeItCannotCompress() {
    assertThatThrownBy(() -> RawDeflate.segment(new byte[10], 0, 10, 10))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("deflate level must be 0 to 9, got 10");
    assertThatThrownBy(() -> RawDeflate.segment(new byte[10], 4, 7, 6))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("range 4+7 outside 10 bytes");
  }

  /** Cuts {@code size} bytes into ranges of {@code rangeSize}, the last one shorter. */
  /** Returns ranges of the given lengths in turn, as long as they fit, and then the rest of {@code size}. */
  static List<int[]> ranges(List<Integer> lengths, int size) {
    List<int[]> ranges = new ArrayList<>();
    int at = 0;
    for (int length : lengths) {
      if (at + length >= size) {
        break;
      }
      ranges.add(new int[] {at, length});
      at += length;
    }
    if (at < size) {
      ranges.add(new int[] {at, size - at});
    }
    return ranges;
  }

  static List<int[]> ranges(int size, int rangeSize) {
    List<int[]> ranges = new ArrayList<>();
    for (int at = 0; at < size; at += rangeSize) {
      ranges.add(new int[] {at, Math.min(rangeSize, size - at)});
    }
    return ranges;
  }

  private static byte[] readAll(InputStream in) throws IOException {
    try (in) {
      return in.readAllBytes();
    }
  }

  /** Segments as a server makes them: each range read with up to 32 KiB before it, then compressed. */
  static final class Segments implements DeflatedState {
    final ArrayDeque<byte[]> queue;
    final ByteArrayOutputStream inflated = new ByteArrayOutputStream();

    Segments(List<byte[]> segments) {
      this.queue = new ArrayDeque<>(segments);
    }

    static Segments of(byte[] state, List<int[]> ranges, int level) {
      List<byte[]> segments = new ArrayList<>();
      for (int[] r : ranges) {
        int before = Math.min(RawDeflate.DICTIONARY, r[0]);
        byte[] buf = Arrays.copyOfRange(state, r[0] - before, r[0] + r[1]);
        segments.add(RawDeflate.segment(buf, before, r[1], level));
      }
      return new Segments(segments);
    }

    @Override
    public ByteBuffer nextSegment() {
      byte[] next = queue.poll();
      return next == null ? null : ByteBuffer.wrap(next).asReadOnlyBuffer();
    }

    @Override
    public void inflated(byte[] b, int off, int len) {
      inflated.write(b, off, len);
    }
  }
}
