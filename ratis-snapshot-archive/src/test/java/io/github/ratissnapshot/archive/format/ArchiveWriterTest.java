package io.github.ratissnapshot.archive.format;

import static io.github.ratissnapshot.archive.format.Fixtures.CLOCK;
import static io.github.ratissnapshot.archive.format.Fixtures.META;
import static io.github.ratissnapshot.archive.format.Fixtures.NOW;
import static io.github.ratissnapshot.archive.format.Fixtures.STATE;
import static io.github.ratissnapshot.archive.format.Fixtures.gunzip;
import static io.github.ratissnapshot.archive.format.Fixtures.hex;
import static io.github.ratissnapshot.archive.format.Fixtures.sha256;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ArchiveWriterTest {
  @TempDir
  Path dir;

  @Test
  void tarHoldsThreeUstarHeadersAsGoWritesConsuls() throws Exception {
    RawTar tar = RawTar.parse(gunzip(Fixtures.writtenArchive()));

    assertThat(tar.headers()).extracting(RawTar.Header::name).containsExactly("meta.json", "state.bin", "SHA256SUMS");
    for (RawTar.Header h : tar.headers()) {
      assertThat(h.typeflag()).as(h.name()).isEqualTo('0');
      assertThat(RawTar.octal(h.mode())).as(h.name()).isEqualTo(0600);
      assertThat(RawTar.octal(h.uid())).as(h.name()).isZero();
      assertThat(RawTar.octal(h.gid())).as(h.name()).isZero();
      assertThat(h.uname()).as(h.name()).isEmpty();
      assertThat(h.gname()).as(h.name()).isEmpty();
      assertThat(h.linkName()).as(h.name()).isEmpty();
      assertThat(h.magic()).as(h.name()).isEqualTo("ustar\0");
      assertThat(h.version()).as(h.name()).isEqualTo("00");
      assertThat(h.mtimeValue()).as(h.name()).isEqualTo(NOW.getEpochSecond());
      assertThat(RawTar.octal(h.checksum())).as(h.name()).isEqualTo(h.computedChecksum());
    }
    assertThat(tar.header("meta.json").sizeValue()).isEqualTo(Fixtures.META_JSON.length);
    assertThat(tar.header("state.bin").sizeValue()).isEqualTo(STATE.length);
    assertThat(tar.header("SHA256SUMS").sizeValue()).isEqualTo(Fixtures.SUMS.length);
  }

  @ParameterizedTest
  @CsvSource({
      "1651147314, 0, 1651147314",
      "1651147314, 1, 1651147314",
      "1651147314, 499999999, 1651147314",
      "1651147314, 500000000, 1651147315",
      "1651147314, 999999999, 1651147315",
      "0, 0, 0",
      "0, 500000000, 1"})
  void mtimeIsTheClockRoundedToTheNearestSecondAsGoDoes(long seconds, int nanos, long expected) throws Exception {
    Clock clock = Clock.fixed(Instant.ofEpochSecond(seconds, nanos), ZoneOffset.UTC);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ArchiveWriter.newBuilder().clock(clock).build().write(out, META, new ByteArrayInputStream(STATE));

    RawTar tar = RawTar.parse(gunzip(out.toByteArray()));

    assertThat(tar.headers()).extracting(RawTar.Header::mtimeValue).containsExactly(expected, expected, expected);
  }

  @ParameterizedTest
  @ValueSource(longs = {0, 1, 511, 512, 513, 3000, 1 << 20})
  void tarEndsWithExactlyTwoZeroBlocksAndNoRecordPadding(long size) throws Exception {
    SnapshotMeta meta = META.withSize(size);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Fixtures.writer().write(out, meta, TestStates.stream(5, size));
    byte[] tar = gunzip(out.toByteArray());

    RawTar parsed = RawTar.parse(tar);

    long metaLength = MetaJson.encode(meta).length;
    long expectedEnd = 3 * 512 + TarBoundaryInputStream.padded(metaLength) + TarBoundaryInputStream.padded(size)
        + TarBoundaryInputStream.padded(2 * (64 + 2 + 10));
    assertThat(parsed.endMarkerOffset()).isEqualTo(expectedEnd);
    assertThat((long) tar.length).isEqualTo(expectedEnd + 1024);
    assertThat(Arrays.copyOfRange(tar, (int) expectedEnd, tar.length)).containsOnly(0);
    assertThat(parsed.header("state.bin").sizeValue()).isEqualTo(size);
  }

  @Test
  void dataPaddingIsZeros() throws Exception {
    byte[] tar = gunzip(Fixtures.writtenArchive());
    RawTar parsed = RawTar.parse(tar);

    for (RawTar.Header h : parsed.headers()) {
      long end = h.dataOffset() + h.sizeValue();
      long padded = h.dataOffset() + TarBoundaryInputStream.padded(h.sizeValue());
      assertThat(Arrays.copyOfRange(tar, (int) end, (int) padded)).as(h.name()).containsOnly(0);
    }
  }

  @Test
  void metaJsonEntryHoldsGosEncodingOfTheMeta() throws Exception {
    byte[] tar = gunzip(Fixtures.writtenArchive());
    RawTar.Header h = RawTar.parse(tar).header("meta.json");

    byte[] data = Arrays.copyOfRange(tar, (int) h.dataOffset(), (int) (h.dataOffset() + h.sizeValue()));

    assertThat(new String(data, StandardCharsets.UTF_8)).isEqualTo("{\"Version\":1,\"ID\":\"2-43459-1651147313637\","
        + "\"Index\":43459,\"Term\":2,\"Peers\":null,\"Configuration\":{\"Servers\":[{\"Suffrage\":0,\"ID\":\"n1\","
        + "\"Address\":\"127.0.0.1:9001\"},{\"Suffrage\":1,\"ID\":\"n2\",\"Address\":\"127.0.0.1:9002\"}]},"
        + "\"ConfigurationIndex\":1,\"Size\":3000}\n");
  }

  @Test
  void stateEntryHoldsTheStateBytes() throws Exception {
    byte[] tar = gunzip(Fixtures.writtenArchive());
    RawTar.Header h = RawTar.parse(tar).header("state.bin");

    assertThat(Arrays.copyOfRange(tar, (int) h.dataOffset(), (int) (h.dataOffset() + h.sizeValue()))).isEqualTo(STATE);
  }

  @Test
  void sumsEntryListsMetaThenStateAsSha256sumDoes() throws Exception {
    byte[] tar = gunzip(Fixtures.writtenArchive());
    RawTar.Header h = RawTar.parse(tar).header("SHA256SUMS");

    byte[] data = Arrays.copyOfRange(tar, (int) h.dataOffset(), (int) (h.dataOffset() + h.sizeValue()));

    assertThat(new String(data, StandardCharsets.US_ASCII)).isEqualTo(
        hex(sha256(Fixtures.META_JSON)) + "  meta.json\n" + hex(sha256(STATE)) + "  state.bin\n");
  }

  @Test
  void summaryListsTheEntriesWrittenWithSizesAndHashes() throws Exception {
    ArchiveSummary summary = Fixtures.writer().write(new ByteArrayOutputStream(), META, new ByteArrayInputStream(STATE));

    assertThat(summary.meta()).isEqualTo(META);
    assertThat(summary.entries()).containsExactly(
        new ArchiveEntry("meta.json", Fixtures.META_JSON.length, sha256(Fixtures.META_JSON)),
        new ArchiveEntry("state.bin", STATE.length, sha256(STATE)),
        new ArchiveEntry("SHA256SUMS", Fixtures.SUMS.length, sha256(Fixtures.SUMS)));
    assertThat(summary.hasSealedSums()).isFalse();
  }

  @Test
  void gzipLayerIsOneMemberWithGosHeader() throws Exception {
    byte[] archive = Fixtures.writtenArchive();

    assertThat(Arrays.copyOf(archive, 10)).isEqualTo(new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff});
    try (GzipMemberInputStream in = new GzipMemberInputStream(new ByteArrayInputStream(archive), 512)) {
      assertThat(in.readAllBytes()).isEqualTo(gunzip(archive));
    }
  }

  @Test
  void outputIsIdenticalForAFixedClockWhateverTheThreadCount() throws Exception {
    long size = 3L * BlockGzipOutputStream.BLOCK_SIZE + 123;
    SnapshotMeta meta = META.withSize(size);
    byte[] reference = write(ArchiveWriter.newBuilder().clock(CLOCK).threads(1).build(), meta, 21);

    for (int threads : new int[] {2, 4}) {
      assertThat(write(ArchiveWriter.newBuilder().clock(CLOCK).threads(threads).build(), meta, 21))
          .as("%d threads", threads).isEqualTo(reference);
    }
  }

  @Test
  void statesDeliveredInSmallReadsAreCopiedWhole() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Fixtures.writer().write(out, META, new Trickle(new ByteArrayInputStream(STATE), 7));

    assertThat(out.toByteArray()).isEqualTo(Fixtures.writtenArchive());
  }

  @Test
  void writeClosesNeitherStream() throws Exception {
    boolean[] closed = {false, false};
    OutputStream out = new ByteArrayOutputStream() {
      @Override
      public void close() {
        closed[0] = true;
      }
    };
    InputStream state = new ByteArrayInputStream(STATE) {
      @Override
      public void close() {
        closed[1] = true;
      }
    };

    Fixtures.writer().write(out, META, state);

    assertThat(closed).containsExactly(false, false);
  }

  @Test
  void stateShorterThanSizeThrowsStateSizeException() {
    StateSizeException e = catchThrowableOfType(StateSizeException.class, () -> Fixtures.writer().write(
        new ByteArrayOutputStream(), META, new ByteArrayInputStream(STATE, 0, STATE.length - 1)));

    assertThat(e).isExactlyInstanceOf(StateSizeException.class)
        .hasMessage("the state source ended after 2,999 bytes; meta.json Size declares 3,000");
    assertThat(e.declaredSize()).isEqualTo(3000);
  }

  @Test
  void emptyStateForNonZeroSizeThrowsStateSizeException() {
    assertThatThrownBy(() -> Fixtures.writer().write(new ByteArrayOutputStream(), META.withSize(5),
        InputStream.nullInputStream()))
        .isExactlyInstanceOf(StateSizeException.class)
        .hasMessage("the state source ended after 0 bytes; meta.json Size declares 5");
  }

  @Test
  void stateLongerThanSizeThrowsStateSizeException() {
    StateSizeException e = catchThrowableOfType(StateSizeException.class, () -> Fixtures.writer().write(
        new ByteArrayOutputStream(), META.withSize(2999), new ByteArrayInputStream(STATE)));

    assertThat(e).isExactlyInstanceOf(StateSizeException.class)
        .hasMessage("the state source has more than the 2,999 bytes meta.json Size declares");
    assertThat(e.declaredSize()).isEqualTo(2999);
  }

  @Test
  void nonEmptyStateForSizeZeroThrowsStateSizeException() {
    assertThatThrownBy(() -> Fixtures.writer().write(new ByteArrayOutputStream(), META.withSize(0),
        new ByteArrayInputStream(new byte[1])))
        .isExactlyInstanceOf(StateSizeException.class)
        .hasMessage("the state source has more than the 0 bytes meta.json Size declares");
  }

  @Test
  void snapshotWriteLeavesNoFileWhenTheStateIsShortOrLong() {
    assertThatThrownBy(() -> Snapshot.write(META, new ByteArrayInputStream(STATE, 0, 100), dir, Fixtures.writer()))
        .isExactlyInstanceOf(StateSizeException.class)
        .hasMessage("the state source ended after 100 bytes; meta.json Size declares 3,000");
    assertThat(dir).isEmptyDirectory();

    assertThatThrownBy(() -> Snapshot.write(META.withSize(10), new ByteArrayInputStream(STATE), dir, Fixtures.writer()))
        .isExactlyInstanceOf(StateSizeException.class)
        .hasMessage("the state source has more than the 10 bytes meta.json Size declares");
    assertThat(dir).isEmptyDirectory();
  }

  @Test
  void atomicFileLeavesNoFileWhenTheStateIsShortOrLong() {
    Path target = dir.resolve("backup.snap");
    for (SnapshotMeta meta : List.of(META.withSize(STATE.length + 1), META.withSize(STATE.length - 1))) {
      assertThatThrownBy(() -> {
        try (AtomicFile file = AtomicFile.create(target, false)) {
          Fixtures.writer().write(file.stream(), meta, new ByteArrayInputStream(STATE));
          file.commit();
        }
      }).isExactlyInstanceOf(StateSizeException.class);
      assertThat(dir).isEmptyDirectory();
    }
  }

  @Test
  void atomicFilePublishesAWholeArchive() throws Exception {
    Path target = dir.resolve("backup.snap");
    try (AtomicFile file = AtomicFile.create(target, false)) {
      Fixtures.writer().write(file.stream(), META, new ByteArrayInputStream(STATE));
      assertThat(target).doesNotExist();
      file.commit();
    }

    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files).containsExactly(target);
    }
    assertThat(target).hasBinaryContent(Fixtures.writtenArchive());
  }

  @Test
  void builderRejectsBadSettings() {
    assertThatThrownBy(() -> ArchiveWriter.newBuilder().level(-1)).isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("gzip level must be 0 to 9, got -1");
    assertThatThrownBy(() -> ArchiveWriter.newBuilder().level(10)).isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("gzip level must be 0 to 9, got 10");
    assertThatThrownBy(() -> ArchiveWriter.newBuilder().threads(0)).isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("threads must be at least 1, got 0");
    assertThatThrownBy(() -> ArchiveWriter.newBuilder().clock(null)).isExactlyInstanceOf(NullPointerException.class)
        .hasMessage("clock");
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 9})
  void everyLevelWritesAnArchiveTheReaderVerifies(int level) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ArchiveWriter.newBuilder().level(level).clock(CLOCK).build().write(out, META, new ByteArrayInputStream(STATE));

    ArchiveSummary read = ArchiveReader.defaults().verify(new ByteArrayInputStream(out.toByteArray()));

    assertThat(read.meta()).isEqualTo(META);
    assertThat(read.state().sha256()).isEqualTo(sha256(STATE));
    assertThat(out.toByteArray()[8]).isEqualTo((byte) (level == 9 ? 2 : level == 1 ? 4 : 0));
  }

  private static byte[] write(ArchiveWriter writer, SnapshotMeta meta, long seed) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (InputStream state = TestStates.stream(seed, meta.size())) {
      writer.write(out, meta, state);
    }
    return out.toByteArray();
  }
}
