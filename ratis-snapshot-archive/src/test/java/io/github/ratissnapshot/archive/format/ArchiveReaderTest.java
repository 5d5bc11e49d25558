package io.github.ratissnapshot.archive.format;

import static io.github.ratissnapshot.archive.format.Fixtures.META;
import static io.github.ratissnapshot.archive.format.Fixtures.META_JSON;
import static io.github.ratissnapshot.archive.format.Fixtures.STATE;
import static io.github.ratissnapshot.archive.format.Fixtures.SUMS;
import static io.github.ratissnapshot.archive.format.Fixtures.gzip;
import static io.github.ratissnapshot.archive.format.Fixtures.hex;
import static io.github.ratissnapshot.archive.format.Fixtures.sha256;
import static io.github.ratissnapshot.archive.format.Fixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class ArchiveReaderTest {
  private static final Map<String, byte[]> ENTRIES = Map.of("meta.json", META_JSON, "state.bin", STATE,
      "SHA256SUMS", SUMS);

  @TempDir
  Path dir;

  static Stream<Arguments> entryOrders() {
    return Stream.of(
        Arguments.of(List.of("meta.json", "state.bin", "SHA256SUMS")),
        Arguments.of(List.of("meta.json", "SHA256SUMS", "state.bin")),
        Arguments.of(List.of("state.bin", "meta.json", "SHA256SUMS")),
        Arguments.of(List.of("state.bin", "SHA256SUMS", "meta.json")),
        Arguments.of(List.of("SHA256SUMS", "meta.json", "state.bin")),
        Arguments.of(List.of("SHA256SUMS", "state.bin", "meta.json")));
  }

  @ParameterizedTest
  @MethodSource("entryOrders")
  void acceptsTheEntriesInAnyOrder(List<String> order) throws Exception {
    TarBuilder tar = new TarBuilder();
    order.forEach(name -> tar.file(name, ENTRIES.get(name)));

    try (ExtractedState state = ArchiveReader.defaults().extract(gzipped(tar.end()), dir)) {
      assertThat(state.meta()).isEqualTo(META);
      assertThat(state.path()).hasBinaryContent(STATE);
      assertThat(state.summary().entries()).extracting(ArchiveEntry::name).containsExactlyElementsOf(order);
      assertThat(state.summary().state()).isEqualTo(new ArchiveEntry("state.bin", STATE.length, sha256(STATE)));
    }
  }

  static Stream<Arguments> sumsVariants() {
    String m = hex(sha256(META_JSON));
    String s = hex(sha256(STATE));
    return Stream.of(
        Arguments.of(m + "  meta.json\n" + s + "  state.bin\n"),
        Arguments.of(s + "  state.bin\n" + m + "  meta.json\n"),
        Arguments.of(s + " *state.bin\n" + m.toUpperCase(Locale.ROOT) + " *meta.json"));
  }

  @ParameterizedTest
  @MethodSource("sumsVariants")
  void acceptsSumsLinesInAnyOrderAndMode(String sums) throws Exception {
    byte[] tar = new TarBuilder().file("meta.json", META_JSON).file("state.bin", STATE).file("SHA256SUMS", sums)
        .end().build();

    ArchiveSummary summary = ArchiveReader.defaults().verify(new ByteArrayInputStream(gzip(tar)));

    assertThat(summary.meta()).isEqualTo(META);
    assertThat(summary.entry("SHA256SUMS").orElseThrow().sha256()).isEqualTo(sha256(utf8(sums)));
  }

  @Test
  void acceptsVaultsSealedSumsAndReportsIt() throws Exception {
    byte[] sealed = utf8("{\"signature\":\"not checked\"}");
    byte[] tar = new TarBuilder().file("meta.json", META_JSON).file("state.bin", STATE).file("SHA256SUMS", SUMS)
        .file("SHA256SUMS.sealed", sealed).end().build();

    ArchiveSummary summary = ArchiveReader.defaults().verify(new ByteArrayInputStream(gzip(tar)));

    assertThat(summary.hasSealedSums()).isTrue();
    assertThat(summary.entries()).extracting(ArchiveEntry::name)
        .containsExactly("meta.json", "state.bin", "SHA256SUMS", "SHA256SUMS.sealed");
    assertThat(summary.entry("SHA256SUMS.sealed").orElseThrow())
        .isEqualTo(new ArchiveEntry("SHA256SUMS.sealed", sealed.length, sha256(sealed)));
  }

  @Test
  void reportsNoSealedSumsWhenThereAreNone() throws Exception {
    ArchiveSummary summary = ArchiveReader.defaults().verify(new ByteArrayInputStream(Fixtures.writtenArchive()));

    assertThat(summary.hasSealedSums()).isFalse();
    assertThat(summary.entry("SHA256SUMS.sealed")).isEmpty();
  }

  @Test
  void acceptsTarPaddedToTenKibRecordsAsGnuTarWritesIt() throws Exception {
    byte[] tar = Fixtures.validTar();
    byte[] padded = Arrays.copyOf(tar, (int) (Math.ceil(tar.length / 10240.0) * 10240));
    assertThat(padded.length).isGreaterThan(tar.length);

    assertThat(ArchiveReader.defaults().verify(new ByteArrayInputStream(gzip(padded))).meta()).isEqualTo(META);
  }

  @Test
  void acceptsWhatCommonsCompressWritesWithTenKibRecords() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out, 10240)) {
      for (String name : List.of("meta.json", "state.bin", "SHA256SUMS")) {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(ENTRIES.get(name).length);
        tar.putArchiveEntry(e);
        tar.write(ENTRIES.get(name));
        tar.closeArchiveEntry();
      }
    }
    assertThat(out.size() % 10240).isZero();

    assertThat(ArchiveReader.defaults().verify(new ByteArrayInputStream(gzip(out.toByteArray()))).meta())
        .isEqualTo(META);
  }

  @Test
  void acceptsUpToOneMebibyteOfZeroPaddingAfterTheEndMarker() throws Exception {
    byte[] tar = new TarBuilder().raw(Fixtures.validTar()).zeros(1 << 20).build();

    assertThat(ArchiveReader.defaults().verify(new ByteArrayInputStream(gzip(tar))).meta()).isEqualTo(META);
  }

  @Test
  void readTarReadsAPlainTar() throws Exception {
    ByteArrayOutputStream sink = new ByteArrayOutputStream();

    ArchiveSummary summary = ArchiveReader.defaults().readTar(new ByteArrayInputStream(Fixtures.validTar()), sink);

    assertThat(summary.meta()).isEqualTo(META);
    assertThat(sink.toByteArray()).isEqualTo(STATE);
  }

  @Test
  void readStreamsTheStateToTheSinkAndReturnsEveryEntry() throws Exception {
    ByteArrayOutputStream sink = new ByteArrayOutputStream();

    ArchiveSummary summary = ArchiveReader.defaults().read(new ByteArrayInputStream(Fixtures.writtenArchive()), sink);

    assertThat(sink.toByteArray()).isEqualTo(STATE);
    assertThat(summary.entries()).containsExactly(
        new ArchiveEntry("meta.json", META_JSON.length, sha256(META_JSON)),
        new ArchiveEntry("state.bin", STATE.length, sha256(STATE)),
        new ArchiveEntry("SHA256SUMS", SUMS.length, sha256(SUMS)));
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void hashesTheSameWithOrWithoutASecondThread(boolean parallel) throws Exception {
    long size = 5L * (1 << 20) + 3;
    byte[] archive = archiveOf(META.withSize(size), 31);
    Counting.Sink sink = new Counting.Sink();

    ArchiveSummary summary = ArchiveReader.newBuilder().parallelHashing(parallel).build()
        .read(new ByteArrayInputStream(archive), sink);

    assertThat(summary.state().sha256()).isEqualTo(TestStates.sha256(31, size));
    assertThat(sink.count()).isEqualTo(size);
  }

  @Test
  void verifiesMetaJsonByItsRawBytesWithWhitespaceAndUnknownKeys() throws Exception {
    byte[] meta = utf8("{\"Version\":1,\"ID\":\"2-43459-1651147313637\",\"CRC\":\"AAAA\",\"Index\":43459,\"Term\":2,"
        + "\"Peers\":null,\"Configuration\":{\"Servers\":[{\"Suffrage\":0,\"ID\":\"n1\",\"Address\":\"127.0.0.1:9001\"},"
        + "{\"Suffrage\":1,\"ID\":\"n2\",\"Address\":\"127.0.0.1:9002\"}]},\"ConfigurationIndex\":1,\"Size\":3000"
        + "          }\n\n");
    byte[] tar = new TarBuilder().file("meta.json", meta).file("state.bin", STATE)
        .file("SHA256SUMS", Fixtures.sums(meta, STATE)).end().build();

    ArchiveSummary summary = ArchiveReader.defaults().verify(new ByteArrayInputStream(gzip(tar)));

    assertThat(summary.meta()).isEqualTo(META);
    assertThat(summary.entry("meta.json").orElseThrow().sha256()).isEqualTo(sha256(meta));
  }

  @Test
  void peekMetaReadsOnlyAsFarAsMetaJson() throws Exception {
    byte[] archive = archiveOf(META.withSize(8L << 20), 33);
    ByteArrayInputStream in = new ByteArrayInputStream(archive);
    assertThat(ArchiveReader.defaults().peekMeta(in)).isEqualTo(META.withSize(8L << 20));
    assertThat(archive.length - in.available()).as("bytes read of %,d", archive.length)
        .isLessThan(archive.length / 4);
  }

  @Test
  void peekMetaDoesNotVerifyWhatFollowsButReadDoes() throws Exception {
    byte[] corrupt = Fixtures.writtenArchive();
    corrupt[corrupt.length - 8] ^= 1; // the gzip trailer's CRC-32
    assertThat(ArchiveReader.defaults().peekMeta(new ByteArrayInputStream(corrupt))).isEqualTo(META);
    assertThatThrownBy(() -> ArchiveReader.defaults().verify(new ByteArrayInputStream(corrupt)))
        .isInstanceOf(ArchiveException.class);
  }

  @Test
  void peekMetaOfAnArchiveWithoutMetaJsonSaysItIsMissing() {
    TarBuilder tar = new TarBuilder();
    tar.file("state.bin", STATE);
    tar.file("SHA256SUMS", ENTRIES.get("SHA256SUMS"));
    assertThatThrownBy(() -> ArchiveReader.defaults().peekMeta(gzipped(tar.end())))
        .isInstanceOfSatisfying(ArchiveException.class,
            e -> assertThat(e.problem()).isEqualTo(ArchiveException.Problem.MISSING_ENTRY))
        .hasMessageContaining("meta.json");
  }

  @Test
  void peekMetaOfSomethingNotGzipSaysSo() {
    assertThatThrownBy(() -> ArchiveReader.defaults().peekMeta(new ByteArrayInputStream(utf8("PK\3\4"))))
        .isInstanceOf(ArchiveException.class)
        .hasMessage("not a gzip stream: it starts with 0x504b, not 0x1f8b");
  }

  @Test
  void readsAnEmptyState() throws Exception {
    byte[] archive = archiveOf(META.withSize(0), 1);

    try (ExtractedState state = ArchiveReader.defaults().extract(new ByteArrayInputStream(archive), dir)) {
      assertThat(state.meta().size()).isZero();
      assertThat(state.path()).isEmptyFile();
    }
  }

  @Test
  void readsAnArchiveDeliveredOneByteAtATime() throws Exception {
    ArchiveSummary summary = ArchiveReader.defaults()
        .verify(new Trickle(new ByteArrayInputStream(Fixtures.writtenArchive()), 1));

    assertThat(summary.state().sha256()).isEqualTo(sha256(STATE));
  }

  @Test
  void extractWritesTheVerifiedStateToANewFileInTheDirectory() throws Exception {
    Path file;
    try (ExtractedState state = ArchiveReader.defaults().extract(
        new ByteArrayInputStream(Fixtures.writtenArchive()), dir)) {
      file = state.path();

      assertThat(file.getParent()).isEqualTo(dir);
      assertThat(file.getFileName().toString()).startsWith("state-").endsWith(ExtractedState.SUFFIX);
      assertThat(file).hasBinaryContent(STATE);
      try (var in = state.openStream()) {
        assertThat(in.readAllBytes()).isEqualTo(STATE);
      }
      assertThat(state.meta()).isEqualTo(META);
    }
    assertThat(file).doesNotExist();
    assertThat(dir).isEmptyDirectory();
  }

  /** With a second hashing thread the extra digest runs on a third (ConcurrentDigestOutputStream); without, inline. */
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void extractFeedsTheStateToTheGivenDigestAndAnInvalidArchiveLeavesNoFile(boolean parallel) throws Exception {
    ArchiveReader reader = ArchiveReader.newBuilder().parallelHashing(parallel).build();
    MessageDigest md5 = Digests.md5();
    try (ExtractedState state = reader.extract(new ByteArrayInputStream(Fixtures.writtenArchive()), dir, md5)) {
      assertThat(Digests.hex(md5.digest())).isEqualTo(Digests.md5Hex(state.path()))
          .isEqualTo(Digests.hex(Digests.md5().digest(STATE)));
    }
    byte[] corrupt = Fixtures.writtenArchive();
    corrupt[corrupt.length - 8] ^= 1; // the gzip trailer's CRC-32
    assertThatThrownBy(() -> reader.extract(new ByteArrayInputStream(corrupt), dir, Digests.md5()))
        .isInstanceOf(ArchiveException.class);
    assertThat(dir).isEmptyDirectory();
    assertThat(Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("md5-digest")
        && t.isAlive())).as("the digest thread is stopped on failure too").isEmpty();
  }

  @Test
  void extractedStateMovesToItsTargetAndCloseThenLeavesIt() throws Exception {
    Path target = dir.resolve("sm").resolve("snapshot.2_43459");
    Files.createDirectories(target.getParent());
    Files.write(target, utf8("old state"));
    ExtractedState state = ArchiveReader.defaults().extract(new ByteArrayInputStream(Fixtures.writtenArchive()), dir);
    Path file = state.path();

    state.moveTo(target);
    state.close();
    state.close();

    assertThat(target).hasBinaryContent(STATE);
    assertThat(file).doesNotExist();
    assertThatThrownBy(state::path).isExactlyInstanceOf(IllegalStateException.class)
        .hasMessage("the extracted state was closed or moved");
  }

  @Test
  void extractedStateCloseTwiceIsSafe() throws Exception {
    ExtractedState state = ArchiveReader.defaults().extract(new ByteArrayInputStream(Fixtures.writtenArchive()), dir);

    state.close();
    state.close();

    assertThat(dir).isEmptyDirectory();
    assertThatThrownBy(state::openStream).isExactlyInstanceOf(IllegalStateException.class)
        .hasMessage("the extracted state was closed or moved");
  }

  @Test
  void verifyWrittenDigestsTheWholeFileAndRefusesOneThatReadsBackOtherwise() throws Exception {
    Snapshot written = Snapshot.write(META, new ByteArrayInputStream(STATE), dir, Fixtures.writer());
    Path file = written.path();
    Counting.Input[] seen = new Counting.Input[1];

    String sha256 = ArchiveReader.defaults().verifyWritten(file, written.summary(),
        in -> seen[0] = new Counting.Input(in));

    assertThat(sha256).isEqualTo(Digests.sha256Hex(file));
    assertThat(seen[0].count()).as("bytes read through the caller's wrapper").isEqualTo(Files.size(file));

    byte[] otherState = STATE.clone();
    otherState[0] ^= 1;
    Snapshot other = Snapshot.write(META, new ByteArrayInputStream(otherState), dir, Fixtures.writer());
    assertThatThrownBy(() -> ArchiveReader.defaults().verifyWritten(file, other.summary(), UnaryOperator.identity()))
        .isExactlyInstanceOf(IOException.class)
        .hasMessage("the archive written to " + file + " does not read back as written");

    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length / 2] ^= 0x10;
    Path corrupt = Files.write(dir.resolve("corrupt.snap"), bytes);
    assertThatThrownBy(() -> ArchiveReader.defaults().verifyWritten(corrupt, written.summary(),
        UnaryOperator.identity())).isInstanceOf(ArchiveException.class);
    written.close();
    other.close();
  }

  @Test
  void snapshotHoldsAVerifiableArchiveUntilClosedTwice() throws Exception {
    Snapshot snapshot = Snapshot.write(META, new ByteArrayInputStream(STATE), dir, Fixtures.writer());
    Path file = snapshot.path();

    assertThat(file.getParent()).isEqualTo(dir);
    assertThat(file.getFileName().toString()).endsWith(Snapshot.SUFFIX);
    assertThat(snapshot.index()).isEqualTo(43459);
    assertThat(snapshot.meta()).isEqualTo(META);
    assertThat(snapshot.archiveBytes()).isEqualTo(Files.size(file));
    assertThat(file).hasBinaryContent(Fixtures.writtenArchive());
    for (int i = 0; i < 2; i++) {
      try (var in = snapshot.openStream()) {
        assertThat(ArchiveReader.defaults().verify(in).entries()).isEqualTo(snapshot.summary().entries());
      }
    }

    snapshot.close();
    snapshot.close();

    assertThat(dir).isEmptyDirectory();
    assertThatThrownBy(snapshot::path).isExactlyInstanceOf(IllegalStateException.class).hasMessage("snapshot closed");
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void aFailingSinkFailsTheReadWithItsOwnError(boolean parallel) {
    long size = 3L << 20;
    byte[] archive = archiveOf(META.withSize(size), 32);
    OutputStream sink = new OutputStream() {
      private long written;

      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        written += len;
        if (written > (1 << 20)) {
          throw new IOException("No space left on device");
        }
      }
    };

    assertThatThrownBy(() -> ArchiveReader.newBuilder().parallelHashing(parallel).build()
        .read(new ByteArrayInputStream(archive), sink))
        .isExactlyInstanceOf(IOException.class).hasMessage("No space left on device");
  }

  @Test
  void readClosesNeitherTheArchiveNorTheSink() throws Exception {
    boolean[] closed = {false, false};
    ByteArrayInputStream archive = new ByteArrayInputStream(Fixtures.writtenArchive()) {
      @Override
      public void close() {
        closed[0] = true;
      }
    };
    OutputStream sink = new ByteArrayOutputStream() {
      @Override
      public void close() {
        closed[1] = true;
      }
    };

    ArchiveReader.defaults().read(archive, sink);

    assertThat(closed).containsExactly(false, false);
  }

  @Test
  void aFailingArchiveStreamFailsWithItsOwnErrorNotAsACorruptArchive() {
    // An I/O error of the stream under the archive says nothing about the archive: it must not be reported
    // as an ArchiveException (the CLI's "invalid archive"), wherever in the tar it happens.
    byte[] tar = Fixtures.validTar();
    RawTar layout = RawTar.parse(tar);
    long[] failAt = {0, 100, 512, 700, layout.header("state.bin").offset() + 10, 2000,
        layout.header("SHA256SUMS").offset(), layout.endMarkerOffset() + 10, tar.length};
    for (long at : failAt) {
      assertThatThrownBy(() -> ArchiveReader.defaults().readTar(new FailingInput(tar, (int) at),
          OutputStream.nullOutputStream()))
          .as("failing after %d bytes of the tar", at)
          .isExactlyInstanceOf(IOException.class).hasMessage("Input/output error");
    }
    byte[] archive = Fixtures.writtenArchive();
    for (int at = 0; at < archive.length; at += 97) {
      int good = at;
      assertThatThrownBy(() -> ArchiveReader.defaults().extract(new FailingInput(archive, good), dir))
          .as("failing after %d bytes of the archive", good)
          .isExactlyInstanceOf(IOException.class).hasMessage("Input/output error");
      assertThat(dir).isEmptyDirectory();
    }
  }

  @Test
  void builderRejectsBadLimits() {
    assertThatThrownBy(() -> ArchiveReader.newBuilder().maxMetaBytes(0))
        .isExactlyInstanceOf(IllegalArgumentException.class).hasMessage("maxMetaBytes must be at least 1, got 0");
    assertThatThrownBy(() -> ArchiveReader.newBuilder().maxSumsBytes(-1))
        .isExactlyInstanceOf(IllegalArgumentException.class).hasMessage("maxSumsBytes must be at least 1, got -1");
    assertThatThrownBy(() -> ArchiveReader.newBuilder().maxStateBytes(-1))
        .isExactlyInstanceOf(IllegalArgumentException.class).hasMessage("maxStateBytes must not be negative, got -1");
  }

  @Test
  void acceptsEntriesExactlyAtTheirCaps() throws Exception {
    ArchiveReader reader = ArchiveReader.newBuilder().maxMetaBytes(META_JSON.length).maxSumsBytes(SUMS.length)
        .maxStateBytes(STATE.length).build();

    assertThat(reader.verify(new ByteArrayInputStream(Fixtures.writtenArchive())).meta()).isEqualTo(META);
  }

  private static ByteArrayInputStream gzipped(TarBuilder tar) {
    return new ByteArrayInputStream(gzip(tar.build()));
  }

  private static byte[] archiveOf(SnapshotMeta meta, long seed) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (var state = TestStates.stream(seed, meta.size())) {
      ArchiveWriter.newBuilder().level(1).clock(Fixtures.CLOCK).build().write(out, meta, state);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
