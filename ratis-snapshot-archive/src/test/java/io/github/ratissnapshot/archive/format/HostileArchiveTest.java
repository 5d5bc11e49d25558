package io.github.ratissnapshot.archive.format;

import static io.github.ratissnapshot.archive.format.Fixtures.META;
import static io.github.ratissnapshot.archive.format.Fixtures.META_JSON;
import static io.github.ratissnapshot.archive.format.Fixtures.STATE;
import static io.github.ratissnapshot.archive.format.Fixtures.SUMS;
import static io.github.ratissnapshot.archive.format.Fixtures.assertExtractRejects;
import static io.github.ratissnapshot.archive.format.Fixtures.assertRejects;
import static io.github.ratissnapshot.archive.format.Fixtures.concat;
import static io.github.ratissnapshot.archive.format.Fixtures.flipBit;
import static io.github.ratissnapshot.archive.format.Fixtures.gzip;
import static io.github.ratissnapshot.archive.format.Fixtures.hex;
import static io.github.ratissnapshot.archive.format.Fixtures.prefix;
import static io.github.ratissnapshot.archive.format.Fixtures.sha256;
import static io.github.ratissnapshot.archive.format.Fixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.github.ratissnapshot.archive.format.ArchiveException.Problem;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.zip.CRC32;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One test per class of hostile or broken archive. Each asserts the exact error and that
 * {@link ArchiveReader#extract} left nothing behind; most put the fault after {@code state.bin} so that
 * the state was already streamed to disk when the fault is found.
 */
class HostileArchiveTest {
  private static final String ONLY = "; an archive holds only meta.json, state.bin and SHA256SUMS";
  private static final long GIB = 1L << 30;
  private static final RawTar LAYOUT = RawTar.parse(Fixtures.validTar());
  private static final long META_DATA = LAYOUT.header("meta.json").dataOffset();
  private static final long STATE_HEADER = LAYOUT.header("state.bin").offset();
  private static final long STATE_DATA = LAYOUT.header("state.bin").dataOffset();
  private static final long SUMS_HEADER = LAYOUT.header("SHA256SUMS").offset();
  private static final long SUMS_DATA = LAYOUT.header("SHA256SUMS").dataOffset();
  private static final long END = LAYOUT.endMarkerOffset();

  @TempDir
  Path dir;

  // --- entry names ---------------------------------------------------------------------------------

  @ParameterizedTest
  @ValueSource(strings = {"../x", "/abs", "notes.txt", "./meta.json", "META.JSON", "state.bin.tmp", "sm/state.bin"})
  void rejectsAnEntryOfAnotherName(String name) {
    byte[] tar = validEntries().file(name, "x").file("SHA256SUMS", SUMS).end().build();

    assertExtractRejects(gzip(tar), dir, ArchiveException.class, Problem.UNEXPECTED_ENTRY,
        "unexpected entry \"" + name + "\" in archive (a regular file)" + ONLY);
  }

  @Test
  void rejectsAnUnexpectedEntryBeforeAnyStateIsWritten() {
    byte[] tar = new TarBuilder().file("../../etc/cron.d/evil", "* * * * * root true\n").raw(Fixtures.validTar())
        .build();

    assertExtractRejects(gzip(tar), dir, ArchiveException.class, Problem.UNEXPECTED_ENTRY,
        "unexpected entry \"../../etc/cron.d/evil\" in archive (a regular file)" + ONLY);
  }

  @Test
  void namesAnUnexpectedEntryPrintablyAndShortened() {
    String name = "evil\n\u001b[31m" + "x".repeat(200);
    byte[] tar = validEntries().file(name, "x").file("SHA256SUMS", SUMS).end().build();

    assertExtractRejects(gzip(tar), dir, ArchiveException.class, Problem.UNEXPECTED_ENTRY,
        "unexpected entry \"evil??[31m" + "x".repeat(87) + "...\" in archive (a regular file)" + ONLY);
  }

  @Test
  void rejectsAPaxPathThatRenamesAnEntry() {
    // A PAX 'path' record overrides the header's name: the reader must judge the name it applies.
    TarArchiveEntry e = TarBuilder.regular("meta.json", 1);
    e.addPaxHeader("path", "../meta.json");
    byte[] tar = validEntries().entry(e, new byte[] {'x'}).file("SHA256SUMS", SUMS).end().build();

    assertExtractRejects(gzip(tar), dir, ArchiveException.class, Problem.UNEXPECTED_ENTRY,
        "unexpected entry \"../meta.json\" in archive (a regular file)" + ONLY);
  }

  // --- entry types ---------------------------------------------------------------------------------

  @Test
  void rejectsASymlinkNamedStateBin() {
    byte[] tar = new TarBuilder().file("meta.json", META_JSON).symlink("state.bin", "/etc/shadow")
        .file("SHA256SUMS", SUMS).end().build();

    assertExtractRejects(gzip(tar), dir, ArchiveException.class, Problem.NOT_REGULAR_FILE,
        "entry state.bin is a symbolic link to \"/etc/shadow\", not a regular file");
  }

  @Test
  void rejectsAHardLinkNamedStateBin() {
    byte[] tar = new TarBuilder().file("meta.json", META_JSON).hardLink("state.bin", "meta.json")
        .file("SHA256SUMS", SUMS).end().build();

    assertExtractRejects(gzip(tar), dir, ArchiveException.class, Problem.NOT_REGULAR_FILE,
        "entry state.bin is a hard link to \"meta.json\", not a regular file");
  }

  @ParameterizedTest
  @ValueSource(strings = {"state.bin", "state.bin/"})
  void rejectsADirectoryNamedStateBin(String name) {
    // commons-compress reads a directory's name with a trailing slash, so it never matches an entry name.
    byte[] tar = new TarBuilder().file("meta.json", META_JSON).directory(name).file("SHA256SUMS", SUMS)
        .end().build();

    assertExtractRejects(gzip(tar), dir, ArchiveException.class, Problem.UNEXPECTED_ENTRY,
        "unexpected entry \"state.bin/\" in archive (a directory)" + ONLY);
  }

  @Test
  void rejectsACharacterDeviceNamedMetaJson() {
    byte[] tar = new TarBuilder().charDevice("meta.json").file("state.bin", STATE).file("SHA256SUMS", SUMS)
        .end().build();

    assertExtractRejects(gzip(tar), dir, ArchiveException.class, Problem.NOT_REGULAR_FILE,
        "entry meta.json is a character device, not a regular file");
  }

  @Test
  void rejectsOtherSpecialEntries() {
    Object[][] cases = {
        {TarConstants.LF_BLK, "a block device"},
        {TarConstants.LF_FIFO, "a FIFO"},
        {TarConstants.LF_CONTIG, "a contiguous file"},
        {TarConstants.LF_GNUTYPE_SPARSE, "a sparse file"},
        {(byte) 'Z', "an entry of type 0x5a"}};
    for (Object[] c : cases) {
      TarArchiveEntry e = new TarArchiveEntry("SHA256SUMS", (byte) c[0], true);
      e.setSize(0);
      byte[] tar = validEntries().headerOnly(e).end().build();

      assertExtractRejects(gzip(tar), dir, ArchiveException.class, Problem.NOT_REGULAR_FILE,
          "entry SHA256SUMS is " + c[1] + ", not a regular file");
    }
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "size|-1|invalid tar header at offset 1,024: Corrupted TAR archive. Entry size is negative",
      "size|abc|invalid tar header at offset 1,024: Unable to parse long from string value: abc",
      "mtime|1e999999999|invalid tar header at offset 1,024: Corrupted PAX header. Time field value is invalid '1e999999999'",
      "uid|99999999999999999999|invalid tar header at offset 1,024: Unable to parse long from string value: 99999999999999999999",
      "SCHILY.devmajor|-1|invalid tar header at offset 1,024: Corrupted TAR archive. Dev-Major is negative",
      "GNU.sparse.map|0,1,2|invalid tar header at offset 1,024: Corrupted TAR archive. Bad format in GNU.sparse.map PAX Header"})
  void rejectsMalformedPaxRecords(String key, String value, String message) {
    byte[] tar = new TarBuilder().file("meta.json", META_JSON).entry(paxHeader(), paxRecord(key, value))
        .file("state.bin", STATE).file("SHA256SUMS", SUMS).end().build();

    assertExtractRejects(gzip(tar), dir, ArchiveException.class, Problem.BAD_TAR_HEADER, message);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {"GNU.sparse.size|5", "SCHILY.filetype|sparse"})
  void rejectsAStateBinMadeSparseByPaxRecords(String key, String value) {
    byte[] tar = new TarBuilder().file("meta.json", META_JSON).entry(paxHeader(), paxRecord(key, value))
        .file("state.bin", STATE).file("SHA256SUMS", SUMS).end().build();

    assertExtractRejects(gzip(tar), dir, ArchiveException.class, Problem.NOT_REGULAR_FILE,
        "entry state.bin is a sparse file, not a regular file");
  }

  // --- duplicates and missing entries --------------------------------------------------------------

  @Test
  void rejectsADuplicateMetaJson() {
    byte[] tar = validEntries().file("meta.json", META_JSON).file("SHA256SUMS", SUMS).end().build();

    assertExtractRejects(gzip(tar), dir, ArchiveException.class, Problem.DUPLICATE_ENTRY,
        String.format("duplicate entry meta.json (second copy's data at offset %,d)", SUMS_DATA));
  }

  @Test
  void rejectsADuplicateStateBin() {
    byte[] tar = new TarBuilder().raw(prefix(Fixtures.validTar(), END)).file("state.bin", STATE).end().build();

    assertExtractRejects(gzip(tar), dir, ArchiveException.class, Problem.DUPLICATE_ENTRY,
        String.format("duplicate entry state.bin (second copy's data at offset %,d)", END + 512));
  }

  @Test
  void rejectsADuplicateSha256Sums() {
    byte[] tar = new TarBuilder().raw(prefix(Fixtures.validTar(), END)).file("SHA256SUMS", SUMS).end().build();

    assertExtractRejects(gzip(tar), dir, ArchiveException.class, Problem.DUPLICATE_ENTRY,
        String.format("duplicate entry SHA256SUMS (second copy's data at offset %,d)", END + 512));
  }

  @Test
  void rejectsAMissingMetaJson() {
    byte[] tar = new TarBuilder().file("state.bin", STATE).file("SHA256SUMS", SUMS).end().build();

    assertExtractRejects(gzip(tar), dir, ArchiveException.class, Problem.MISSING_ENTRY,
        "the archive has no meta.json entry");
  }

  @Test
  void rejectsAMissingStateBin() {
    byte[] tar = new TarBuilder().file("meta.json", META_JSON).file("SHA256SUMS", SUMS).end().build();

    assertExtractRejects(gzip(tar), dir, ArchiveException.class, Problem.MISSING_ENTRY,
        "the archive has no state.bin entry");
  }

  @Test
  void rejectsAMissingSha256Sums() {
    byte[] tar = validEntries().end().build();

    assertExtractRejects(gzip(tar), dir, ArchiveException.class, Problem.MISSING_ENTRY,
        "the archive has no SHA256SUMS entry");
  }

  @Test
  void rejectsAnArchiveWithOnlySealedSums() {
    byte[] tar = new TarBuilder().file("SHA256SUMS.sealed", "x").end().build();

    assertExtractRejects(gzip(tar), dir, ArchiveException.class, Problem.MISSING_ENTRY,
        "the archive has no meta.json entry");
  }

  @Test
  void rejectsAnEmptyTar() {
    assertExtractRejects(gzip(new TarBuilder().end().build()), dir, ArchiveException.class, Problem.MISSING_ENTRY,
        "the archive has no entries; expected meta.json, state.bin and SHA256SUMS");
  }

  @Test
  void rejectsAGzipOfNothing() {
    assertExtractRejects(gzip(new byte[0]), dir, ArchiveException.class, Problem.TRUNCATED,
        "truncated tar: the end-of-archive marker at offset 0 has 0 of its 1,024 zero bytes");
  }

  @Test
  void rejectsAnEmptyFile() {
    assertExtractRejects(new byte[0], dir, ArchiveException.class, Problem.NOT_GZIP,
        "not a gzip stream: the input is empty");
  }

  @Test
  void rejectsAPlainTarWhereGzipIsExpected() {
    assertExtractRejects(Fixtures.validTar(), dir, ArchiveException.class, Problem.NOT_GZIP,
        "not a gzip stream: it starts with 0x6d65, not 0x1f8b");
  }

  // --- truncation ----------------------------------------------------------------------------------

  @Test
  void rejectsTheGzipStreamTruncatedAnywhere() throws Exception {
    byte[] archive = Fixtures.writtenArchive();
    int n = archive.length;
    List<Integer> cuts = new ArrayList<>(List.of(1, 2, 5, 9, 10, 11, n - 9, n - 8, n - 7, n - 4, n - 1));
    for (int i = 1; i < 20; i++) {
      cuts.add(n * i / 20);
    }
    Collections.sort(cuts);
    for (int cut : cuts) {
      String message;
      if (cut < 10) {
        message = String.format("truncated gzip stream: it ends after %,d bytes, inside the gzip header", cut);
      } else if (cut < n - 8) {
        message = String.format(
            "truncated gzip stream: it ends after %,d compressed bytes, inside the deflate data", cut);
      } else {
        message = String.format("truncated gzip stream: it ends after %,d bytes, inside the gzip trailer", cut);
      }
      assertExtractRejects(prefix(archive, cut), dir, ArchiveException.class, Problem.TRUNCATED, message);
    }
  }

  @Test
  void rejectsTheTarTruncatedInsideAHeader() {
    assertTruncatedTar(100, ArchiveException.class,
        "truncated tar: the stream ends 100 bytes into the header at offset 0");
    assertTruncatedTar(STATE_HEADER + 1, ArchiveException.class,
        String.format("truncated tar: the stream ends 1 bytes into the header at offset %,d", STATE_HEADER));
    assertTruncatedTar(SUMS_HEADER + 511, ArchiveException.class,
        String.format("truncated tar: the stream ends 511 bytes into the header at offset %,d", SUMS_HEADER));
  }

  @Test
  void rejectsTheTarTruncatedInsideEntryData() {
    assertTruncatedTar(META_DATA + 10, CorruptArchiveException.class,
        String.format("truncated tar: meta.json ends after 10 of its %,d bytes", META_JSON.length));
    assertTruncatedTar(STATE_DATA + 2000, CorruptArchiveException.class,
        "truncated tar: state.bin ends after 2,000 of its 3,000 bytes");
    assertTruncatedTar(STATE_DATA, CorruptArchiveException.class,
        "truncated tar: state.bin ends after 0 of its 3,000 bytes");
    assertTruncatedTar(SUMS_DATA + 151, CorruptArchiveException.class,
        String.format("truncated tar: SHA256SUMS ends after 151 of its %,d bytes", SUMS.length));
  }

  @Test
  void rejectsTheTarTruncatedInsideThePaddingOfEntryData() {
    assertTruncatedTar(STATE_DATA + STATE.length + 1, ArchiveException.class,
        String.format("truncated tar: the stream ends inside the header at offset %,d", SUMS_HEADER));
  }

  @Test
  void rejectsTheTarTruncatedAtAnEntryBoundary() {
    assertTruncatedTar(STATE_HEADER, ArchiveException.class,
        String.format("truncated tar: the end-of-archive marker at offset %,d has 0 of its 1,024 zero bytes",
            STATE_HEADER));
  }

  @Test
  void rejectsTheTarTruncatedInsideTheEndMarker() {
    for (int zeros : new int[] {1, 511, 512, 513, 1023}) {
      assertTruncatedTar(END + zeros, ArchiveException.class, String.format(
          "truncated tar: the end-of-archive marker at offset %,d has %,d of its 1,024 zero bytes", END, zeros));
    }
  }

  @Test
  void rejectsTheTarWithoutEndMarker() {
    assertTruncatedTar(END, ArchiveException.class, String.format(
        "truncated tar: the end-of-archive marker at offset %,d has 0 of its 1,024 zero bytes", END));
  }

  @Test
  void readTarRejectsAPlainTarTruncatedInsideData() {
    Counting.Sink sink = new Counting.Sink();

    // The sink received part of the state: the read(..) contract says whatever it got must be discarded.
    assertRejects(CorruptArchiveException.class, Problem.TRUNCATED,
        "truncated tar: state.bin ends after 2,000 of its 3,000 bytes",
        () -> ArchiveReader.defaults().readTar(new ByteArrayInputStream(prefix(Fixtures.validTar(),
            STATE_DATA + 2000)), sink));
  }

  // --- bit flips -----------------------------------------------------------------------------------

  @Test
  void rejectsABitFlipInMetaJsonData() {
    long at = META_DATA + new String(META_JSON, StandardCharsets.UTF_8).indexOf("43459");
    byte[] tar = flipBit(Fixtures.validTar(), at, 0); // '4' becomes '5': still valid JSON
    byte[] flipped = Arrays.copyOfRange(tar, (int) META_DATA, (int) META_DATA + META_JSON.length);

    CorruptArchiveException e = assertExtractRejects(gzip(tar), dir, CorruptArchiveException.class,
        Problem.HASH_MISMATCH, "SHA-256 of meta.json: actual " + hex(sha256(flipped)) + " != expected "
            + hex(sha256(META_JSON)) + " (SHA256SUMS)");
    assertThat(e.entryName()).isEqualTo("meta.json");
  }

  @Test
  void rejectsABitFlipInStateData() {
    byte[] tar = flipBit(Fixtures.validTar(), STATE_DATA + 1234, 5);
    byte[] flipped = Arrays.copyOfRange(tar, (int) STATE_DATA, (int) STATE_DATA + STATE.length);

    CorruptArchiveException e = assertExtractRejects(gzip(tar), dir, CorruptArchiveException.class,
        Problem.HASH_MISMATCH, "SHA-256 of state.bin: actual " + hex(sha256(flipped)) + " != expected "
            + hex(sha256(STATE)) + " (SHA256SUMS)");
    assertThat(e.entryName()).isEqualTo("state.bin");
  }

  @Test
  void rejectsABitFlipInSha256SumsData() {
    String sums = new String(SUMS, StandardCharsets.US_ASCII);
    int digit = firstDigitAtOrAfter(sums, 65 + 2 + 10 + 5); // inside the state.bin line's hash
    byte[] tar = flipBit(Fixtures.validTar(), SUMS_DATA + digit, 0);
    int stateLine = sums.indexOf('\n') + 1;
    String expected = sums.substring(stateLine, stateLine + 64);
    String flippedHex = new String(tar, (int) SUMS_DATA + stateLine, 64, StandardCharsets.US_ASCII);
    assertThat(flippedHex).isNotEqualTo(expected);

    CorruptArchiveException e = assertExtractRejects(gzip(tar), dir, CorruptArchiveException.class,
        Problem.HASH_MISMATCH, "SHA-256 of state.bin: actual " + expected + " != expected " + flippedHex
            + " (SHA256SUMS)");
    assertThat(e.entryName()).isEqualTo("state.bin");
  }

  @Test
  void rejectsABitFlipInEachEntryOfTheGzipStreamAsACrcError() throws Exception {
    // Level 0 stores the tar as it is, so a flipped byte changes the data and nothing else: the tar still
    // parses, meta.json is still JSON, and the gzip CRC (checked before the hashes) catches it.
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ArchiveWriter.newBuilder().level(0).clock(Fixtures.CLOCK).build().write(out, META,
        new ByteArrayInputStream(STATE));
    byte[] archive = out.toByteArray();
    byte[] tar = Fixtures.gunzip(archive);
    String sums = new String(SUMS, StandardCharsets.US_ASCII);
    long[] tarOffsets = {
        META_DATA + new String(META_JSON, StandardCharsets.UTF_8).indexOf("43459"),
        STATE_DATA + 2500,
        SUMS_DATA + firstDigitAtOrAfter(sums, 10)};
    for (long tarOffset : tarOffsets) {
      int gzOffset = indexOf(archive, Arrays.copyOfRange(tar, (int) tarOffset, (int) tarOffset + 48));
      byte[] broken = flipBit(archive, gzOffset, 0);
      long expectedCrc = crc(tar);
      long actualCrc = crc(flipBit(tar, tarOffset, 0));

      assertExtractRejects(broken, dir, ArchiveException.class, Problem.GZIP_CRC,
          String.format("gzip CRC-32: actual 0x%08x != expected 0x%08x", actualCrc, expectedCrc));
    }
  }

  @Test
  void rejectsInvalidDeflateData() {
    byte[] archive = Fixtures.writtenArchive();
    archive[10] |= 0x06; // the first block's BTYPE becomes 11, a reserved type

    assertExtractRejects(archive, dir, ArchiveException.class, Problem.BAD_COMPRESSED_DATA,
        "invalid deflate data near compressed byte 11: invalid block type");
  }

  @Test
  void rejectsABitFlipAnywhereInTheCompressedData() throws Exception {
    // A sweep over the deflate data of a larger archive: where a flip lands decides which check sees it
    // first (deflate, tar header, JSON, CRC), so only the rejection itself is asserted here; the tests
    // above pin each message.
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    SnapshotMeta meta = META.withSize(200_000);
    Fixtures.writer().write(out, meta, TestStates.stream(9, meta.size()));
    byte[] archive = out.toByteArray();
    for (int i = 1; i < 40; i++) {
      int at = 10 + (archive.length - 18) * i / 40;
      byte[] broken = flipBit(archive, at, i % 8);

      Throwable t = catchThrowable(() -> ArchiveReader.defaults().extract(new ByteArrayInputStream(broken), dir));

      assertThat(t).as("flip at %d", at).isInstanceOf(ArchiveException.class);
      assertThat(((ArchiveException) t).problem()).as("flip at %d: %s", at, t.getMessage()).isIn(
          Problem.BAD_COMPRESSED_DATA, Problem.GZIP_CRC, Problem.BAD_TAR_HEADER, Problem.INVALID_META,
          Problem.UNEXPECTED_ENTRY, Problem.INVALID_SUMS, Problem.TRUNCATED, Problem.TRAILING_DATA);
      assertThat(dir).isEmptyDirectory();
    }
  }

  @Test
  void rejectsABadTarHeaderChecksum() {
    byte[] tar = Fixtures.validTar();
    tar[(int) STATE_HEADER + 148 + 5] ^= 0x01; // a digit of the checksum field itself

    assertExtractRejects(gzip(tar), dir, ArchiveException.class, Problem.BAD_TAR_HEADER, String.format(
        "tar header of entry \"state.bin\" (data at offset %,d) has a wrong checksum", STATE_DATA));
  }

  @Test
  void rejectsAHeaderFieldChangedBehindTheChecksum() {
    byte[] tar = Fixtures.validTar();
    tar[(int) SUMS_HEADER + 100 + 4] ^= 0x01; // mode 0000600 becomes 0000700

    assertExtractRejects(gzip(tar), dir, ArchiveException.class, Problem.BAD_TAR_HEADER, String.format(
        "tar header of entry \"SHA256SUMS\" (data at offset %,d) has a wrong checksum", SUMS_DATA));
  }

  @Test
  void rejectsAHeaderThatDoesNotParse() {
    byte[] tar = Fixtures.validTar();
    System.arraycopy(utf8("zzzzzzzzzzz"), 0, tar, (int) STATE_HEADER + 124, 11); // the size field

    assertExtractRejects(gzip(tar), dir, ArchiveException.class, Problem.BAD_TAR_HEADER, String.format(
        "invalid tar header at offset %,d: Corrupted TAR archive.: Invalid byte 122 at offset 0 in"
            + " 'zzzzzzzzzzz ' len=12", STATE_HEADER));
  }

  // --- content of meta.json and SHA256SUMS -----------------------------------------------------------

  @Test
  void rejectsMalformedSha256Sums() {
    byte[] sums = utf8(hex(sha256(META_JSON)) + "  meta.json\n" + "not a hash  state.bin\n");
    byte[] tar = validEntries().file("SHA256SUMS", sums).end().build();

    CorruptArchiveException e = assertExtractRejects(gzip(tar), dir, CorruptArchiveException.class,
        Problem.INVALID_SUMS,
        "SHA256SUMS line 2 is malformed: expected \"<64 hex digits>  <name>\", got \"not a hash  state.bin\"");
    assertThat(e.entryName()).isEqualTo("SHA256SUMS");
  }

  @Test
  void rejectsSha256SumsNamingAnotherFile() {
    byte[] sums = concat(SUMS, utf8(hex(sha256(STATE)) + "  nope\n"));
    byte[] tar = validEntries().file("SHA256SUMS", sums).end().build();

    assertExtractRejects(gzip(tar), dir, CorruptArchiveException.class, Problem.INVALID_SUMS,
        "SHA256SUMS line 3 names \"nope\", which is not an entry the archive hashes (meta.json, state.bin)");
  }

  @Test
  void rejectsSha256SumsWithoutALineForAnEntry() {
    byte[] onlyMeta = utf8(hex(sha256(META_JSON)) + "  meta.json\n");
    byte[] onlyState = utf8(hex(sha256(STATE)) + "  state.bin\n");

    assertExtractRejects(gzip(validEntries().file("SHA256SUMS", onlyMeta).end().build()), dir,
        CorruptArchiveException.class, Problem.INVALID_SUMS, "SHA256SUMS has no line for state.bin");
    assertExtractRejects(gzip(validEntries().file("SHA256SUMS", onlyState).end().build()), dir,
        CorruptArchiveException.class, Problem.INVALID_SUMS, "SHA256SUMS has no line for meta.json");
    assertExtractRejects(gzip(validEntries().file("SHA256SUMS", new byte[0]).end().build()), dir,
        CorruptArchiveException.class, Problem.INVALID_SUMS, "SHA256SUMS has no line for meta.json");
  }

  @Test
  void rejectsMetaJsonThatIsNotJson() {
    byte[] meta = utf8("not json");
    byte[] tar = new TarBuilder().file("meta.json", meta).file("state.bin", STATE)
        .file("SHA256SUMS", Fixtures.sums(meta, STATE)).end().build();

    CorruptArchiveException e = assertExtractRejects(gzip(tar), dir, CorruptArchiveException.class,
        Problem.INVALID_META, "meta.json is not valid JSON: Unrecognized token 'not': was expecting (JSON String,"
            + " Number, Array, Object or token 'null', 'true' or 'false')");
    assertThat(e.entryName()).isEqualTo("meta.json");
  }

  @Test
  void rejectsMetaJsonWithANegativeNumber() {
    byte[] meta = utf8(new String(META_JSON, StandardCharsets.UTF_8)
        .replace("\"Term\":2", "\"Term\":-2"));
    byte[] tar = new TarBuilder().file("state.bin", STATE).file("meta.json", meta)
        .file("SHA256SUMS", Fixtures.sums(meta, STATE)).end().build();

    assertExtractRejects(gzip(tar), dir, CorruptArchiveException.class, Problem.INVALID_META,
        "meta.json Term must not be negative, got -2");
  }

  @Test
  void rejectsMetaJsonOfAnUnsupportedVersion() {
    byte[] meta = utf8(new String(META_JSON, StandardCharsets.UTF_8)
        .replace("\"Version\":1", "\"Version\":2"));
    byte[] tar = new TarBuilder().file("meta.json", meta).file("state.bin", STATE)
        .file("SHA256SUMS", Fixtures.sums(meta, STATE)).end().build();

    assertExtractRejects(gzip(tar), dir, CorruptArchiveException.class, Problem.UNSUPPORTED_VERSION,
        "meta.json has unsupported snapshot version 2 (supported: 0 to 1)");
  }

  @Test
  void rejectsSizeDisagreeingWithStateBinWhenMetaComesFirst() {
    byte[] meta = MetaJson.encode(META.withSize(STATE.length - 1));
    byte[] tar = new TarBuilder().file("meta.json", meta).file("state.bin", STATE)
        .file("SHA256SUMS", Fixtures.sums(meta, STATE)).end().build();
    Counting.Sink sink = new Counting.Sink();

    CorruptArchiveException e = assertExtractRejects(gzip(tar), dir, CorruptArchiveException.class,
        Problem.SIZE_MISMATCH, "state.bin has 3,000 bytes but meta.json declares Size 2,999");
    assertThat(e.entryName()).isEqualTo("state.bin");
    // Known from state.bin's header, before any of its data reaches the sink.
    assertRejects(CorruptArchiveException.class, Problem.SIZE_MISMATCH,
        "state.bin has 3,000 bytes but meta.json declares Size 2,999",
        () -> ArchiveReader.defaults().readTar(new ByteArrayInputStream(tar), sink));
    assertThat(sink.count()).isZero();
  }

  @Test
  void rejectsSizeDisagreeingWithStateBinWhenStateComesFirst() {
    byte[] meta = MetaJson.encode(META.withSize(STATE.length + 1));
    byte[] tar = new TarBuilder().file("state.bin", STATE).file("meta.json", meta)
        .file("SHA256SUMS", Fixtures.sums(meta, STATE)).end().build();

    assertExtractRejects(gzip(tar), dir, CorruptArchiveException.class, Problem.SIZE_MISMATCH,
        "state.bin has 3,000 bytes but meta.json declares Size 3,001");
  }

  // --- what follows the archive --------------------------------------------------------------------

  @Test
  void rejectsNonZeroBytesInTheSecondEndBlock() {
    byte[] tar = Fixtures.validTar();
    tar[(int) END + 512 + 7] = 1;

    assertExtractRejects(gzip(tar), dir, ArchiveException.class, Problem.TRAILING_DATA, String.format(
        "non-zero byte at offset %,d after the tar end-of-archive block at offset %,d", END + 512 + 7, END));
  }

  @Test
  void rejectsNonZeroBytesAfterTheEndMarker() {
    byte[] tar = concat(Fixtures.validTar(), utf8("junk"));

    assertExtractRejects(gzip(tar), dir, ArchiveException.class, Problem.TRAILING_DATA, String.format(
        "non-zero byte at offset %,d after the tar end-of-archive marker at offset %,d", END + 1024, END));
  }

  @Test
  void rejectsNonZeroBytesAfterZeroPadding() {
    byte[] tar = new TarBuilder().raw(Fixtures.validTar()).zeros(20_000).raw(new byte[] {0, 0, 9}).build();

    assertExtractRejects(gzip(tar), dir, ArchiveException.class, Problem.TRAILING_DATA, String.format(
        "non-zero byte at offset %,d after the tar end-of-archive marker at offset %,d", END + 1024 + 20_002, END));
  }

  @Test
  void rejectsNonZeroBytesInTheFirstEndBlock() {
    byte[] tar = Fixtures.validTar();
    tar[(int) END + 3] = 'x';

    // Not an end marker, so it is read as a header: its name ends at the first NUL.
    assertExtractRejects(gzip(tar), dir, ArchiveException.class, Problem.BAD_TAR_HEADER, String.format(
        "tar header of entry \"\" (data at offset %,d) has a wrong checksum", END + 512));
  }

  @Test
  void rejectsMoreThanOneMebibyteOfZeroPadding() {
    InputStream tar = new SequenceInputStream(new ByteArrayInputStream(Fixtures.validTar()),
        Counting.repeat(0, 64L << 20));
    GzipOnDemand gz = new GzipOnDemand(tar, 1);

    assertRejects(ArchiveException.class, Problem.TRAILING_DATA,
        "more than 1,048,576 bytes of zero padding follow the tar end-of-archive marker",
        () -> ArchiveReader.defaults().extract(gz, dir));
    assertThat(dir).isEmptyDirectory();
    assertThat(gz.sourceBytes()).isLessThan(4L << 20);
  }

  @Test
  void rejectsBytesAfterTheGzipTrailer() {
    assertExtractRejects(concat(Fixtures.writtenArchive(), new byte[] {0}), dir, ArchiveException.class,
        Problem.TRAILING_DATA, "1 bytes follow the gzip trailer");
    assertExtractRejects(concat(Fixtures.writtenArchive(), utf8("\nSIGNATURE")), dir, ArchiveException.class,
        Problem.TRAILING_DATA, "10 bytes follow the gzip trailer");
  }

  @Test
  void rejectsASecondGzipMember() {
    byte[] second = Fixtures.writtenArchive();

    assertExtractRejects(concat(Fixtures.writtenArchive(), second), dir, ArchiveException.class,
        Problem.TRAILING_DATA, "a second gzip member follows the first (" + String.format("%,d", second.length)
            + " more bytes): an archive is one member");
  }

  @Test
  void rejectsATarSplitAcrossTwoGzipMembers() {
    // gunzip would join them into one valid tar; an archive is one member.
    byte[] tar = Fixtures.validTar();
    byte[] first = gzip(prefix(tar, STATE_DATA + 100));
    byte[] second = gzip(Arrays.copyOfRange(tar, (int) STATE_DATA + 100, tar.length));

    assertExtractRejects(concat(first, second), dir, ArchiveException.class, Problem.TRAILING_DATA,
        "a second gzip member follows the first (" + String.format("%,d", second.length)
            + " more bytes): an archive is one member");
  }

  // --- sizes and bombs -----------------------------------------------------------------------------

  @Test
  void rejectsAMetaJsonDeclaringOneGibWithoutReadingIt() {
    Counting.Input in = new Counting.Input(new SequenceInputStream(
        new ByteArrayInputStream(new TarBuilder().headerOnly("meta.json", GIB).build()),
        Counting.repeat('{', GIB)));

    // Plain tar through readTar, to count what was consumed; extractRejectsAMetaJsonDeclaringOneGib does
    // the same through extract.
    CorruptArchiveException e = assertRejects(CorruptArchiveException.class, Problem.ENTRY_TOO_LARGE,
        "meta.json is 1,073,741,824 bytes, more than the 1,048,576 this reader allows",
        () -> ArchiveReader.defaults().readTar(in, new Counting.Sink()));
    assertThat(e.entryName()).isEqualTo("meta.json");
    assertThat(in.count()).isEqualTo(512);
  }

  @Test
  void extractRejectsAMetaJsonDeclaringOneGib() {
    byte[] tar = new TarBuilder().headerOnly("meta.json", GIB).zeros(4096).build();

    assertExtractRejects(gzip(tar), dir, CorruptArchiveException.class, Problem.ENTRY_TOO_LARGE,
        "meta.json is 1,073,741,824 bytes, more than the 1,048,576 this reader allows");
  }

  @Test
  void rejectsSumsAndSealedSumsOverTheirCap() {
    byte[] big = new byte[64 * 1024 + 1];
    assertExtractRejects(gzip(validEntries().file("SHA256SUMS", big).end().build()), dir,
        CorruptArchiveException.class, Problem.ENTRY_TOO_LARGE,
        "SHA256SUMS is 65,537 bytes, more than the 65,536 this reader allows");
    assertExtractRejects(gzip(validEntries().file("SHA256SUMS.sealed", big).end().build()), dir,
        CorruptArchiveException.class, Problem.ENTRY_TOO_LARGE,
        "SHA256SUMS.sealed is 65,537 bytes, more than the 65,536 this reader allows");
  }

  @Test
  void rejectsEntriesOverConfiguredCaps() {
    ArchiveReader reader = ArchiveReader.newBuilder().maxMetaBytes(100).build();

    assertExtractRejects(reader, Fixtures.writtenArchive(), dir, CorruptArchiveException.class,
        Problem.ENTRY_TOO_LARGE, String.format("meta.json is %,d bytes, more than the 100 this reader allows",
            META_JSON.length));
    assertExtractRejects(ArchiveReader.newBuilder().maxStateBytes(STATE.length - 1).build(),
        Fixtures.writtenArchive(), dir, CorruptArchiveException.class, Problem.ENTRY_TOO_LARGE,
        "state.bin is 3,000 bytes, more than the 2,999 this reader allows");
  }

  @Test
  void rejectsADecompressionBombFromItsHeaderBeforeStreamingIt() {
    Counting.Sink sink = new Counting.Sink();
    GzipOnDemand bomb = bomb(META.withSize(3000), GIB);
    long start = System.nanoTime();

    CorruptArchiveException e = assertRejects(CorruptArchiveException.class, Problem.SIZE_MISMATCH,
        "state.bin has 1,073,741,824 bytes but meta.json declares Size 3,000",
        () -> ArchiveReader.defaults().read(bomb, sink));

    assertThat(e.entryName()).isEqualTo("state.bin");
    assertThat(sink.count()).isZero();
    assertThat(bomb.sourceBytes()).isLessThan(16L << 20);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
  }

  @Test
  void extractRejectsADecompressionBombWithNothingWritten() {
    assertRejects(CorruptArchiveException.class, Problem.SIZE_MISMATCH,
        "state.bin has 1,073,741,824 bytes but meta.json declares Size 3,000",
        () -> ArchiveReader.defaults().extract(bomb(META.withSize(3000), GIB), dir));
    assertThat(dir).isEmptyDirectory();
  }

  @Test
  void rejectsAStateLargerThanTheReaderAllowsFromItsHeader() {
    Counting.Sink sink = new Counting.Sink();
    GzipOnDemand bomb = bomb(META.withSize(GIB), GIB);

    assertRejects(CorruptArchiveException.class, Problem.ENTRY_TOO_LARGE,
        "state.bin is 1,073,741,824 bytes, more than the 1,048,576 this reader allows",
        () -> ArchiveReader.newBuilder().maxStateBytes(1 << 20).build().read(bomb, sink));
    assertThat(sink.count()).isZero();
    assertThat(bomb.sourceBytes()).isLessThan(16L << 20);
  }

  @Test
  void rejectsAPaxHeaderWithAHugeRecordWithinTheHeaderBudget() {
    GzipOnDemand gz = new GzipOnDemand(hugePaxHeader(), 1);

    assertRejects(ArchiveException.class, Problem.ENTRY_TOO_LARGE,
        "tar headers at offset 0 take more than 1,048,576 bytes (PAX records or long names)",
        () -> ArchiveReader.defaults().extract(gz, dir));
    assertThat(dir).isEmptyDirectory();
    // The reader stopped after the 1 MiB budget; the lazy gzip ran a little ahead of it.
    assertThat(gz.sourceBytes()).isLessThan(16L << 20);
  }

  @Test
  void rejectsAPaxHeaderWithAHugeKeywordWithinTheHeaderBudget() {
    TarArchiveEntry pax = new TarArchiveEntry("PaxHeaders.0/state.bin", TarConstants.LF_PAX_EXTENDED_HEADER_LC, true);
    pax.setSize(GIB);
    Counting.Input in = new Counting.Input(new SequenceInputStream(new ByteArrayInputStream(
        concat(new TarBuilder().headerOnly(pax).build(), utf8("1000000000 "))), Counting.repeat('k', GIB)));

    Counting.Sink sink = new Counting.Sink();

    assertRejects(ArchiveException.class, Problem.ENTRY_TOO_LARGE,
        "tar headers at offset 0 take more than 1,048,576 bytes (PAX records or long names)",
        () -> ArchiveReader.defaults().readTar(in, sink));
    assertThat(in.count()).isLessThan(2L << 20);
    assertThat(sink.count()).isZero();
  }

  @Test
  void rejectsAGnuLongNameWithinTheHeaderBudget() {
    TarArchiveEntry longName = new TarArchiveEntry("././@LongLink", TarConstants.LF_GNUTYPE_LONGNAME, true);
    longName.setSize(GIB);
    Counting.Input in = new Counting.Input(new SequenceInputStream(new ByteArrayInputStream(
        new TarBuilder().raw(prefix(Fixtures.validTar(), END)).headerOnly(longName).build()),
        Counting.repeat('n', GIB)));

    Counting.Sink sink = new Counting.Sink();

    // The header phase starts where SHA256SUMS's data ends, before its padding. The sink got the whole
    // state before the fault: read(..)'s contract is that a caller discards it when read throws.
    assertRejects(ArchiveException.class, Problem.ENTRY_TOO_LARGE, String.format(
        "tar headers at offset %,d take more than 1,048,576 bytes (PAX records or long names)",
        SUMS_DATA + SUMS.length),
        () -> ArchiveReader.defaults().readTar(in, sink));
    assertThat(sink.count()).isEqualTo(STATE.length);
    assertThat(in.count()).isLessThan(END + (2L << 20));
  }

  // --- helpers -------------------------------------------------------------------------------------

  /** meta.json and state.bin, valid, without SHA256SUMS or end marker. */
  private static TarBuilder validEntries() {
    return new TarBuilder().file("meta.json", META_JSON).file("state.bin", STATE);
  }

  private void assertTruncatedTar(long cut, Class<? extends ArchiveException> type, String message) {
    assertExtractRejects(gzip(prefix(Fixtures.validTar(), cut)), dir, type, Problem.TRUNCATED, message);
  }

  /** A lazily compressed tar: meta, then a state.bin header declaring {@code declared} zero bytes, and so on. */
  private static GzipOnDemand bomb(SnapshotMeta meta, long declared) {
    byte[] metaJson = MetaJson.encode(meta);
    byte[] head = new TarBuilder().file("meta.json", metaJson).headerOnly("state.bin", declared).build();
    byte[] tail = new TarBuilder().zeros((int) (TarBoundaryInputStream.padded(declared) - declared))
        .file("SHA256SUMS", "x").end().build();
    InputStream tar = new SequenceInputStream(Collections.enumeration(List.of(
        new ByteArrayInputStream(head), Counting.repeat(0, declared), new ByteArrayInputStream(tail))));
    return new GzipOnDemand(tar, 1);
  }

  /** A PAX header entry declaring 1 GiB whose one record claims a value of about 1 GB. */
  private static InputStream hugePaxHeader() {
    TarArchiveEntry pax = new TarArchiveEntry("PaxHeaders.0/state.bin", TarConstants.LF_PAX_EXTENDED_HEADER_LC, true);
    pax.setSize(GIB);
    byte[] head = concat(new TarBuilder().headerOnly(pax).build(), utf8("1000000000 comment="));
    return new SequenceInputStream(new ByteArrayInputStream(head), Counting.repeat('a', GIB));
  }

  private static TarArchiveEntry paxHeader() {
    return new TarArchiveEntry("PaxHeaders.0/state.bin", TarConstants.LF_PAX_EXTENDED_HEADER_LC, true);
  }

  /** One PAX record, {@code "<length> <key>=<value>\n"}, its length counting itself. */
  private static byte[] paxRecord(String key, String value) {
    String body = " " + key + "=" + value + "\n";
    int length = body.length() + 1;
    while (String.valueOf(length).length() + body.length() != length) {
      length++;
    }
    return utf8(length + body);
  }

  private static int firstDigitAtOrAfter(String s, int from) {
    for (int i = from; i < s.length(); i++) {
      if (Character.isDigit(s.charAt(i))) {
        return i;
      }
    }
    throw new IllegalArgumentException("no digit after " + from);
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new IllegalArgumentException("not found");
  }

  private static long crc(byte[] data) {
    CRC32 crc = new CRC32();
    crc.update(data);
    return crc.getValue();
  }
}
