package io.github.ratissnapshot.archive.format;

import static io.github.ratissnapshot.archive.format.Fixtures.assertRejects;
import static io.github.ratissnapshot.archive.format.Fixtures.concat;
import static io.github.ratissnapshot.archive.format.Fixtures.gzip;
import static io.github.ratissnapshot.archive.format.Fixtures.prefix;
import static io.github.ratissnapshot.archive.format.Fixtures.readAll;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.ratissnapshot.archive.format.ArchiveException.Problem;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GzipMemberInputStreamTest {
  private static final byte[] DATA = readAll(TestStates.stream(3, 200_000));
  private static final byte[] HELLO = "hello, gzip".getBytes(StandardCharsets.US_ASCII);

  @ParameterizedTest
  @ValueSource(ints = {1, 7, 512, 64 * 1024})
  void readsJdkGzipOutputWithAnyBufferSize(int bufferSize) throws Exception {
    assertThat(inflate(gzip(DATA), bufferSize)).isEqualTo(DATA);
  }

  @Test
  void readsBlockGzipOutput() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (BlockGzipOutputStream gz = new BlockGzipOutputStream(out, 6, 2)) {
      gz.write(DATA);
    }

    assertThat(inflate(out.toByteArray(), 64 * 1024)).isEqualTo(DATA);
  }

  @Test
  void readsEmptyMember() throws Exception {
    assertThat(inflate(gzip(new byte[0]), 64 * 1024)).isEmpty();
  }

  @Test
  void readsInputDeliveredOneByteAtATime() throws Exception {
    try (GzipMemberInputStream in = new GzipMemberInputStream(new Trickle(new ByteArrayInputStream(gzip(DATA)), 1),
        64 * 1024)) {
      assertThat(in.readAllBytes()).isEqualTo(DATA);
      assertThat(in.decompressedBytes()).isEqualTo(DATA.length);
      assertThat(in.read()).isEqualTo(-1);
    }
  }

  @Test
  void readsHeaderWithTextFlagNameCommentExtraAndHeaderCrc() throws Exception {
    byte[] member = member(0x1f | 0x01, true, HELLO);

    assertThat(inflate(member, 64 * 1024)).isEqualTo(HELLO);
  }

  @Test
  void readsSingleByteReads() throws Exception {
    try (GzipMemberInputStream in = new GzipMemberInputStream(new ByteArrayInputStream(gzip(HELLO)), 16)) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      int b;
      while ((b = in.read()) >= 0) {
        out.write(b);
      }
      assertThat(out.toByteArray()).isEqualTo(HELLO);
    }
  }

  @Test
  void rejectsEmptyInput() {
    assertInflateRejects(new byte[0], Problem.NOT_GZIP, "not a gzip stream: the input is empty");
  }

  @Test
  void rejectsInputThatIsNotGzip() {
    assertInflateRejects("PK\u0003\u0004".getBytes(StandardCharsets.ISO_8859_1), Problem.NOT_GZIP,
        "not a gzip stream: it starts with 0x504b, not 0x1f8b");
  }

  @Test
  void rejectsPlainTar() {
    assertInflateRejects(Fixtures.validTar(), Problem.NOT_GZIP, "not a gzip stream: it starts with 0x6d65, not 0x1f8b");
  }

  @Test
  void rejectsCompressionMethodOtherThanDeflate() {
    byte[] gz = gzip(HELLO);
    gz[2] = 7;

    assertInflateRejects(gz, Problem.NOT_GZIP, "unsupported gzip compression method 7 (only 8, deflate)");
  }

  @ParameterizedTest
  @ValueSource(ints = {0x20, 0x40, 0x80, 0xe0})
  void rejectsReservedFlagBits(int flag) {
    byte[] gz = gzip(HELLO);
    gz[3] = (byte) flag;

    assertInflateRejects(gz, Problem.NOT_GZIP,
        String.format("unsupported gzip header: reserved flag bits set (FLG 0x%02x)", flag));
  }

  @Test
  void rejectsWrongHeaderCrc() throws Exception {
    byte[] member = member(0x1e, true, HELLO);
    int crcAt = headerLength(member) - 2;
    int expected = (member[crcAt] & 0xff) | (member[crcAt + 1] & 0xff) << 8;
    member[crcAt] ^= 1;

    assertInflateRejects(member, Problem.NOT_GZIP, String.format(
        "gzip header CRC: actual 0x%04x != expected 0x%04x", expected, expected ^ 1));
  }

  @Test
  void rejectsStreamEndingInsideTheHeader() {
    byte[] gz = gzip(HELLO);
    for (int cut = 1; cut < 10; cut++) {
      assertInflateRejects(prefix(gz, cut), Problem.TRUNCATED,
          "truncated gzip stream: it ends after " + cut + " bytes, inside the gzip header");
    }
  }

  @Test
  void rejectsStreamEndingInsideOptionalHeaderFields() throws Exception {
    byte[] member = member(0x1e, true, HELLO);
    int header = headerLength(member);
    for (int cut = 10; cut < header; cut++) {
      assertInflateRejects(prefix(member, cut), Problem.TRUNCATED,
          "truncated gzip stream: it ends after " + cut + " bytes, inside the gzip header");
    }
  }

  @Test
  void rejectsStreamEndingInsideTheDeflateData() {
    byte[] gz = gzip(DATA);
    for (int cut : new int[] {10, 11, 100, gz.length / 2, gz.length - 9}) {
      assertInflateRejects(prefix(gz, cut), Problem.TRUNCATED, String.format(
          "truncated gzip stream: it ends after %,d compressed bytes, inside the deflate data", cut));
    }
  }

  @Test
  void rejectsStreamEndingInsideTheTrailer() {
    byte[] gz = gzip(DATA);
    for (int missing = 1; missing <= 8; missing++) {
      int cut = gz.length - missing;
      assertInflateRejects(prefix(gz, cut), Problem.TRUNCATED, String.format(
          "truncated gzip stream: it ends after %,d bytes, inside the gzip trailer", cut));
    }
  }

  @Test
  void rejectsInvalidDeflateData() {
    byte[] gz = gzip(HELLO);
    gz[10] = (byte) 0x07; // BFINAL=1, BTYPE=11: a reserved block type

    assertInflateRejects(gz, Problem.BAD_COMPRESSED_DATA,
        "invalid deflate data near compressed byte 11: invalid block type");
  }

  @Test
  void rejectsBadCrcWithBothValues() {
    byte[] gz = gzip(DATA);
    long crc = crc(DATA);
    gz[gz.length - 8] ^= 0x01;

    assertInflateRejects(gz, Problem.GZIP_CRC,
        String.format("gzip CRC-32: actual 0x%08x != expected 0x%08x", crc, crc ^ 1));
  }

  @Test
  void rejectsBadIsize() {
    byte[] gz = gzip(DATA);
    gz[gz.length - 1] = 0x10;

    assertInflateRejects(gz, Problem.GZIP_SIZE,
        "gzip ISIZE: actual 200,000 != expected 268,635,456 (decompressed bytes modulo 2^32)");
  }

  @Test
  void rejectsBytesAfterTheTrailer() {
    assertInflateRejects(concat(gzip(HELLO), new byte[] {0}), Problem.TRAILING_DATA,
        "1 bytes follow the gzip trailer");
    assertInflateRejects(concat(gzip(HELLO), new byte[100]), Problem.TRAILING_DATA,
        "100 bytes follow the gzip trailer");
  }

  @Test
  void rejectsBytesAfterTheTrailerInALaterRead() {
    byte[] gz = gzip(HELLO);
    InputStream in = new SequenceInputStream(new ByteArrayInputStream(gz),
        new ByteArrayInputStream(new byte[3000]));

    assertRejects(ArchiveException.class, Problem.TRAILING_DATA, "3,000 bytes follow the gzip trailer",
        () -> new GzipMemberInputStream(in, 64 * 1024).readAllBytes());
  }

  @Test
  void countsAtLeastOneMebibyteOfTrailingBytes() {
    InputStream in = new SequenceInputStream(new ByteArrayInputStream(gzip(HELLO)),
        new ByteArrayInputStream(new byte[3 << 20]));

    assertRejects(ArchiveException.class, Problem.TRAILING_DATA, "at least 1,048,576 bytes follow the gzip trailer",
        () -> new GzipMemberInputStream(in, 64 * 1024).readAllBytes());
  }

  @Test
  void rejectsASecondMember() {
    byte[] second = gzip(HELLO);

    assertInflateRejects(concat(gzip(HELLO), second), Problem.TRAILING_DATA,
        "a second gzip member follows the first (" + second.length + " more bytes): an archive is one member");
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 7})
  void rejectsASecondMemberDeliveredInSmallReads(int max) {
    byte[] second = gzip(HELLO);
    InputStream in = new Trickle(new ByteArrayInputStream(concat(gzip(HELLO), second)), max);

    assertRejects(ArchiveException.class, Problem.TRAILING_DATA,
        "a second gzip member follows the first (" + second.length + " more bytes): an archive is one member",
        () -> new GzipMemberInputStream(in, 64 * 1024).readAllBytes());
  }

  @Test
  void readAfterCloseFails() throws Exception {
    GzipMemberInputStream in = new GzipMemberInputStream(new ByteArrayInputStream(gzip(HELLO)), 64);
    in.close();
    in.close();

    Assertions.assertThatThrownBy(in::read)
        .isExactlyInstanceOf(IOException.class).hasMessage("stream closed");
  }

  private static byte[] inflate(byte[] gz, int bufferSize) throws IOException {
    try (GzipMemberInputStream in = new GzipMemberInputStream(new ByteArrayInputStream(gz), bufferSize)) {
      return in.readAllBytes();
    }
  }

  private static void assertInflateRejects(byte[] gz, Problem problem, String message) {
    assertRejects(ArchiveException.class, problem, message, () -> inflate(gz, 64 * 1024));
  }

  private static long crc(byte[] data) {
    CRC32 crc = new CRC32();
    crc.update(data);
    return crc.getValue();
  }

  /**
   * Builds a member by hand with the optional header fields of {@code flags} (FTEXT 1, FHCRC 2, FEXTRA 4,
   * FNAME 8, FCOMMENT 16).
   */
  private static byte[] member(int flags, boolean withHeaderCrc, byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {0x1f, (byte) 0x8b, 8, (byte) flags, 1, 2, 3, 4, 0, 3});
    if ((flags & 4) != 0) {
      out.writeBytes(new byte[] {6, 0, 'A', 'B', 2, 0, 'x', 'y'});
    }
    if ((flags & 8) != 0) {
      out.writeBytes("state.tar\0".getBytes(StandardCharsets.ISO_8859_1));
    }
    if ((flags & 16) != 0) {
      out.writeBytes("a comment\0".getBytes(StandardCharsets.ISO_8859_1));
    }
    if ((flags & 2) != 0 && withHeaderCrc) {
      CRC32 hcrc = new CRC32();
      hcrc.update(out.toByteArray());
      long v = hcrc.getValue();
      out.write((int) (v & 0xff));
      out.write((int) ((v >> 8) & 0xff));
    }
    Deflater d = new Deflater(6, true);
    d.setInput(data);
    d.finish();
    byte[] buf = new byte[data.length + 64];
    int n = d.deflate(buf);
    d.end();
    out.write(buf, 0, n);
    long crc = crc(data);
    for (long v : new long[] {crc, data.length}) {
      for (int i = 0; i < 4; i++) {
        out.write((int) (v >>> (8 * i)) & 0xff);
      }
    }
    return out.toByteArray();
  }

  /** The length of {@link #member}'s header with all optional fields: 10 + 8 + 10 + 10 + 2. */
  private static int headerLength(byte[] member) {
    assertThat(Arrays.copyOfRange(member, 0, 3)).containsExactly(0x1f, 0x8b, 8);
    return 10 + 8 + 10 + 10 + 2;
  }
}
