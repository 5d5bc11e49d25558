package io.github.ratissnapshot.archive.format;

import static io.github.ratissnapshot.archive.format.Fixtures.assertExtractRejects;
import static io.github.ratissnapshot.archive.format.Fixtures.assertRejects;
import static io.github.ratissnapshot.archive.format.Fixtures.gunzip;
import static io.github.ratissnapshot.archive.format.Fixtures.gzip;
import static io.github.ratissnapshot.archive.format.Fixtures.hex;
import static io.github.ratissnapshot.archive.format.Fixtures.sha256;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.ratissnapshot.archive.format.ArchiveException.Problem;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Reads archives other implementations wrote: a real Consul 1.x {@code backup.snap} and HashiCorp's
 * hand-made raw tars, from {@code ../shared/testdata/interop}. Skipped when that directory is absent.
 */
class InteropTest {
  private static final String ONLY = "; an archive holds only meta.json, state.bin and SHA256SUMS";
  private static Path interop;

  @TempDir
  Path dir;

  @BeforeAll
  static void findInteropDirectory() {
    interop = locate();
  }

  @BeforeEach
  void skipWithoutFixtures() {
    Assumptions.assumeTrue(interop != null,
        "interop fixtures not found: set -Dinterop.dir or place shared/testdata/interop beside the repository");
  }

  /** The {@code interop.dir} property if it names a directory, else the first ancestor's shared/testdata/interop. */
  static Path locate() {
    String property = System.getProperty("interop.dir");
    if (property != null && Files.isDirectory(Path.of(property))) {
      return Path.of(property).toAbsolutePath().normalize();
    }
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      Path candidate = d.resolve("shared").resolve("testdata").resolve("interop");
      if (Files.isDirectory(candidate)) {
        return candidate;
      }
    }
    return null;
  }

  @Test
  void consulArchiveVerifiesWithItsRecordedValues() throws Exception {
    Map<String, byte[]> entries = entriesOf(gunzip(consul()));
    String sums = new String(entries.get("SHA256SUMS"), StandardCharsets.US_ASCII);

    try (ExtractedState state = ArchiveReader.defaults().extract(new ByteArrayInputStream(consul()), dir)) {
      SnapshotMeta meta = state.meta();
      assertThat(meta.version()).isEqualTo(1);
      assertThat(meta.id()).isEqualTo("2-43459-1651147313637");
      assertThat(meta.index()).isEqualTo(43459);
      assertThat(meta.term()).isEqualTo(2);
      assertThat(meta.configuration().servers()).containsExactly(
          new Server(Suffrage.VOTER, "b565749f-0cc2-61e1-7ba0-d5c18b9dd6b4", "10.42.0.11:8300"));
      assertThat(meta.configurationIndex()).isEqualTo(1);
      assertThat(meta.size()).isEqualTo(81853);
      assertThat(meta.peers()).isEqualTo(Base64.getDecoder().decode("ka8xMC40Mi4wLjExOjgzMDA="));

      String stateHex = hex(sha256(Files.readAllBytes(state.path())));
      assertThat(state.summary().state().sha256Hex()).isEqualTo(stateHex);
      assertThat(sums).contains(stateHex + "  state.bin\n");
      assertThat(stateHex).isEqualTo("cef54f29990c3d4234a22afabceb695412f973bd6284c0aa089d290e78a099a1");
      assertThat(state.summary().entries()).extracting(ArchiveEntry::name)
          .containsExactly("meta.json", "state.bin", "SHA256SUMS");
      assertThat(state.summary().hasSealedSums()).isFalse();
    }
  }

  @Test
  void consulMetaJsonReencodesToIdenticalBytes() throws Exception {
    byte[] metaJson = entriesOf(gunzip(consul())).get("meta.json");

    assertThat(metaJson).hasSize(254);
    assertThat(MetaJson.encode(MetaJson.decode(metaJson))).isEqualTo(metaJson);
    assertThat(new String(metaJson, StandardCharsets.UTF_8)).isEqualTo(MetaJsonTest.CONSUL_META);
  }

  @Test
  void ourArchiveOfConsulsContentMatchesConsulsTarFieldByField() throws Exception {
    byte[] consulTar = gunzip(consul());
    Map<String, byte[]> entries = entriesOf(consulTar);
    RawTar theirs = RawTar.parse(consulTar);
    long mtime = theirs.headers().get(0).mtimeValue();
    SnapshotMeta meta = MetaJson.decode(entries.get("meta.json"));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ArchiveWriter.newBuilder().clock(Clock.fixed(Instant.ofEpochSecond(mtime), ZoneOffset.UTC)).build()
        .write(out, meta, new ByteArrayInputStream(entries.get("state.bin")));
    byte[] ourTar = gunzip(out.toByteArray());
    RawTar ours = RawTar.parse(ourTar);

    // Same length: same entries, same padding, the same two end blocks and nothing more.
    assertThat(ourTar).hasSameSizeAs(consulTar);
    assertThat(ours.headers()).hasSameSizeAs(theirs.headers());
    for (int i = 0; i < theirs.headers().size(); i++) {
      RawTar.Header o = ours.headers().get(i);
      RawTar.Header t = theirs.headers().get(i);
      assertThat(o.offset()).isEqualTo(t.offset());
      assertThat(o.name()).isEqualTo(t.name());
      assertThat(o.typeflag()).isEqualTo(t.typeflag());
      assertThat(RawTar.octal(o.mode())).isEqualTo(RawTar.octal(t.mode()));
      assertThat(RawTar.octal(o.uid())).isEqualTo(RawTar.octal(t.uid()));
      assertThat(RawTar.octal(o.gid())).isEqualTo(RawTar.octal(t.gid()));
      assertThat(o.sizeValue()).isEqualTo(t.sizeValue());
      assertThat(o.mtimeValue()).isEqualTo(t.mtimeValue());
      assertThat(o.magic() + o.version()).isEqualTo(t.magic() + t.version());
      assertThat(o.uname() + o.gname()).isEqualTo(t.uname() + t.gname());
      assertThat(o.linkName()).isEqualTo(t.linkName());
      // Entry data, padding included, byte for byte: meta.json and SHA256SUMS too.
      int from = (int) o.dataOffset();
      int to = from + (int) TarBoundaryInputStream.padded(o.sizeValue());
      assertThat(Arrays.copyOfRange(ourTar, from, to)).as(o.name()).isEqualTo(Arrays.copyOfRange(consulTar, from, to));
    }
  }

  @Test
  void spacesMetaTarVerifiesByTheRawBytesOfMetaJson() throws Exception {
    ByteArrayOutputStream state = new ByteArrayOutputStream();

    ArchiveSummary summary = ArchiveReader.defaults().readTar(
        new ByteArrayInputStream(handmade("spaces-meta.tar")), state);

    assertThat(summary.meta().id()).isEqualTo("2-10-1546615723344");
    assertThat(summary.meta().index()).isEqualTo(10);
    assertThat(summary.meta().size()).isEqualTo(4518);
    assertThat(state.size()).isEqualTo(4518);
    assertThat(summary.entry("meta.json").orElseThrow().sha256Hex())
        .isEqualTo("72af176db5438feb4f1740480702f53a889ae69375873d99a3a7ba83d879af16");
    assertThat(summary.entries()).extracting(ArchiveEntry::name).containsExactly("meta.json", "SHA256SUMS", "state.bin");
  }

  @Test
  void spacesMetaTarVerifiesGzipped() throws Exception {
    try (ExtractedState state = ArchiveReader.defaults().extract(
        new ByteArrayInputStream(gzip(handmade("spaces-meta.tar"))), dir)) {
      assertThat(state.path()).hasSize(4518);
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "empty.tar|MISSING_ENTRY|the archive has no entries; expected meta.json, state.bin and SHA256SUMS",
      "extra.tar|UNEXPECTED_ENTRY|unexpected entry \"nope\" in archive (a regular file)" + ONLY,
      "missing-meta.tar|MISSING_ENTRY|the archive has no meta.json entry",
      "missing-state.tar|MISSING_ENTRY|the archive has no state.bin entry",
      "missing-sha.tar|MISSING_ENTRY|the archive has no SHA256SUMS entry"})
  void handmadeTarFailsWithTheProblemItsNameSays(String file, Problem problem, String message) throws Exception {
    assertRejects(ArchiveException.class, problem, message, () -> ArchiveReader.defaults()
        .readTar(new ByteArrayInputStream(handmade(file)), OutputStream.nullOutputStream()));
    assertExtractRejects(gzip(handmade(file)), dir, ArchiveException.class, problem, message);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "corrupt-meta.tar|SIZE_MISMATCH|state.bin|state.bin has 625 bytes but meta.json declares Size 8,675,309",
      "corrupt-state.tar|SIZE_MISMATCH|state.bin|state.bin has 634 bytes but meta.json declares Size 625",
      "corrupt-sha.tar|INVALID_SUMS|SHA256SUMS|SHA256SUMS line 3 names \"nope\", which is not an entry the archive"
          + " hashes (meta.json, state.bin)"})
  void handmadeCorruptTarFailsNamingTheFault(String file, Problem problem, String entry, String message)
      throws Exception {
    CorruptArchiveException e = assertRejects(CorruptArchiveException.class, problem, message,
        () -> ArchiveReader.defaults().readTar(new ByteArrayInputStream(handmade(file)), OutputStream.nullOutputStream()));
    assertThat(e.entryName()).isEqualTo(entry);
    assertExtractRejects(gzip(handmade(file)), dir, CorruptArchiveException.class, problem, message);
  }

  private static byte[] consul() throws IOException {
    return Files.readAllBytes(interop.resolve("consul-1.x-backup.snap"));
  }

  private static byte[] handmade(String name) throws IOException {
    return Files.readAllBytes(interop.resolve("handmade").resolve(name));
  }

  /** The entries of a tar read by commons-compress alone, independently of our reader. */
  private static Map<String, byte[]> entriesOf(byte[] tar) throws IOException {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
      TarArchiveEntry e;
      while ((e = in.getNextEntry()) != null) {
        entries.put(e.getName(), in.readAllBytes());
      }
    }
    assertThat(entries.keySet()).containsExactlyElementsOf(List.of("meta.json", "state.bin", "SHA256SUMS"));
    return entries;
  }
}
