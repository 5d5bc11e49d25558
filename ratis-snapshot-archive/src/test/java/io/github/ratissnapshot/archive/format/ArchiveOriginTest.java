package io.github.ratissnapshot.archive.format;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/** Which tool wrote an archive, from the details its writer leaves in the first tar header. */
class ArchiveOriginTest {
  @Test
  void thisProjectsWriterIsRecognised() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] state = "state".getBytes(StandardCharsets.US_ASCII);
    ArchiveWriter.defaults().write(out, SnapshotMeta.of(1, 2, new Configuration(List.of()), 0, state.length,
        Instant.EPOCH), new ByteArrayInputStream(state));

    assertThat(ArchiveOrigin.guess(out.toByteArray(), false)).isEqualTo(ArchiveOrigin.RATIS_SNAPSHOT_ARCHIVE);
  }

  @Test
  void goOctalFieldsEndingInNulAreHashiCorpsWriterAndASealedSumsFileMakesItVault() throws IOException {
    byte[] go = gzip(header("0000600\0", "ustar\u000000", ""), true);

    assertThat(ArchiveOrigin.guess(go, false)).isEqualTo(ArchiveOrigin.CONSUL_OR_NOMAD);
    assertThat(ArchiveOrigin.guess(go, true)).isEqualTo(ArchiveOrigin.VAULT);
    assertThat(ArchiveOrigin.CONSUL_OR_NOMAD.description()).isEqualTo("Consul or Nomad");
  }

  @Test
  void otherToolsAndTooFewBytesAreUnrecognised() throws IOException {
    assertThat(ArchiveOrigin.guess(gzip(header("0000600\0", "ustar  \0", "root"), true), false))
        .as("GNU tar: its own magic and a user name").isEqualTo(ArchiveOrigin.UNKNOWN);
    assertThat(ArchiveOrigin.guess(gzip(header("0000600\0", "ustar\u000000", ""), false), false))
        .as("a gzip header with an OS byte, as gzip(1) and java.util.zip write").isEqualTo(ArchiveOrigin.UNKNOWN);
    byte[] go = gzip(header("0000600\0", "ustar\u000000", ""), true);
    assertThat(ArchiveOrigin.guess(Arrays.copyOf(go, 12), false)).isEqualTo(ArchiveOrigin.UNKNOWN);
    assertThat(ArchiveOrigin.guess(new byte[0], false)).isEqualTo(ArchiveOrigin.UNKNOWN);
    assertThat(ArchiveOrigin.guess("not gzip at all".getBytes(StandardCharsets.US_ASCII), false))
        .isEqualTo(ArchiveOrigin.UNKNOWN);
  }

  /** A tar header for meta.json with the given mode field, magic and version, and user name. */
  private static byte[] header(String mode, String magicAndVersion, String user) {
    byte[] h = new byte[1024];
    put(h, 0, "meta.json");
    put(h, 100, mode);
    put(h, 257, magicAndVersion);
    put(h, 265, user);
    return h;
  }

  private static void put(byte[] h, int at, String s) {
    byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
    System.arraycopy(b, 0, h, at, b.length);
  }

  /** Gzips {@code data}; {@code goHeader} sets the OS byte to 255 as Go's gzip writer does. */
  private static byte[] gzip(byte[] data, boolean goHeader) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(data);
    }
    byte[] b = out.toByteArray();
    b[9] = (byte) (goHeader ? 0xff : 0x03);
    return b;
  }
}
