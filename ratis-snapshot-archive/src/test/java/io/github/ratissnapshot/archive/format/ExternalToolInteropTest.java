package io.github.ratissnapshot.archive.format;

import static io.github.ratissnapshot.archive.format.Fixtures.hex;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Archives we write pass independent readers (Python's tarfile, gzip and hashlib; GNU tar and
 * sha256sum), and archives they write pass ours. Each test is skipped when its tool is not installed.
 */
class ExternalToolInteropTest {
  private static final long SIZE = 300_000;
  private static final long SEED = 41;

  /** Checks an archive as Consul's reader would, and prints what it found. */
  private static final String PYTHON_CHECK = String.join("\n",
      "import hashlib, io, sys, tarfile, zlib",
      "data = open(sys.argv[1], 'rb').read()",
      "d = zlib.decompressobj(wbits=31)",
      "raw = d.decompress(data) + d.flush()",
      "assert d.eof, 'gzip member not finished'",
      "assert d.unused_data == b'', 'bytes after the gzip member: %d' % len(d.unused_data)",
      "tf = tarfile.open(fileobj=io.BytesIO(raw), mode='r:')",
      "members = tf.getmembers()",
      "end = tf.offset",
      "assert raw[end:] == bytes(1024), 'after the last entry: %d bytes, non-zero: %s' % (len(raw) - end,"
          + " any(raw[end:]))",
      "content = {m.name: tf.extractfile(m).read() for m in members}",
      "sums = dict(reversed(l.split('  ', 1)) for l in content['SHA256SUMS'].decode().splitlines())",
      "for m in members:",
      "    print(m.name, m.type.decode(), oct(m.mode), m.uid, m.gid, repr(m.uname), repr(m.gname), m.mtime, m.size,"
          + " hashlib.sha256(content[m.name]).hexdigest())",
      "for name in ('meta.json', 'state.bin'):",
      "    assert sums[name] == hashlib.sha256(content[name]).hexdigest(), name",
      "print('sums ok', sorted(sums))");

  /** Writes an archive with tarfile's gzip mode: 10 KiB records, a gzip header with FNAME and MTIME. */
  private static final String PYTHON_WRITE = String.join("\n",
      "import hashlib, io, sys, tarfile",
      "meta = open(sys.argv[2], 'rb').read()",
      "state = open(sys.argv[3], 'rb').read()",
      "sums = ''.join('%s  %s\\n' % (hashlib.sha256(b).hexdigest(), n) for n, b in",
      "               (('meta.json', meta), ('state.bin', state))).encode()",
      "with tarfile.open(sys.argv[1], 'w:gz') as tf:",
      "    for name, b in (('meta.json', meta), ('state.bin', state), ('SHA256SUMS', sums)):",
      "        info = tarfile.TarInfo(name)",
      "        info.size = len(b)",
      "        info.mode = 0o644",
      "        info.mtime = 1700000000",
      "        tf.addfile(info, io.BytesIO(b))");

  @TempDir
  Path dir;

  @Test
  void pythonReadsOurArchiveAsConsulWould() throws Exception {
    assumeTool("python3", "--version");
    Path archive = writeOurArchive();
    Path script = Files.writeString(dir.resolve("check.py"), PYTHON_CHECK);

    Result r = run(dir, "python3", script.toString(), archive.toString());

    assertThat(r.exitCode()).as(r.output()).isZero();
    long mtime = Fixtures.NOW.getEpochSecond();
    assertThat(r.output()).isEqualTo(String.join("\n",
        "meta.json 0 0o600 0 0 '' '' " + mtime + " " + metaJson().length + " " + hex(Fixtures.sha256(metaJson())),
        "state.bin 0 0o600 0 0 '' '' " + mtime + " " + SIZE + " " + hex(TestStates.sha256(SEED, SIZE)),
        "SHA256SUMS 0 0o600 0 0 '' '' " + mtime + " 152 " + hex(Fixtures.sha256(sums())),
        "sums ok ['meta.json', 'state.bin']", ""));
  }

  @Test
  void pythonAndGzipReadAnArchiveSplicedFromServerSegmentsAsOurs() throws Exception {
    assumeTool("python3", "--version");
    assumeTool("gzip", "--version");
    Path ours = writeOurArchive();
    Path spliced = dir.resolve("spliced.snap");
    byte[] state;
    try (InputStream in = TestStates.stream(SEED, SIZE)) {
      state = in.readAllBytes();
    }
    try (OutputStream out = Files.newOutputStream(spliced)) {
      Fixtures.writer().write(out, meta(), SplicedArchiveTest.Segments.of(state,
          SplicedArchiveTest.ranges(state.length, 64 << 10), 6));
    }
    Path script = Files.writeString(dir.resolve("check.py"), PYTHON_CHECK);

    Result python = run(dir, "python3", script.toString(), spliced.toString());
    Result gzip = run(dir, "gzip", "-tv", spliced.toString());

    assertThat(python.exitCode()).as(python.output()).isZero();
    assertThat(python.output()).isEqualTo(run(dir, "python3", script.toString(), ours.toString()).output());
    assertThat(gzip.exitCode()).as(gzip.output()).isZero();
    assertThat(gzip.output()).endsWith("OK\n");
  }

  @Test
  void gnuTarExtractsOurArchiveAndSha256sumChecksIt() throws Exception {
    assumeTool("tar", "--version");
    assumeTool("sha256sum", "--version");
    Path archive = writeOurArchive();
    Path out = Files.createDirectory(dir.resolve("out"));

    Result tar = run(out, "tar", "xzf", archive.toString());
    Result check = run(out, "sha256sum", "-c", "SHA256SUMS");

    assertThat(tar.exitCode()).as(tar.output()).isZero();
    assertThat(tar.output()).isEmpty();
    assertThat(check.exitCode()).as(check.output()).isZero();
    assertThat(check.output()).isEqualTo("meta.json: OK\nstate.bin: OK\n");
    try (var files = Files.list(out)) {
      assertThat(files.map(p -> p.getFileName().toString()).sorted())
          .containsExactly("SHA256SUMS", "meta.json", "state.bin");
    }
    assertThat(out.resolve("meta.json")).hasBinaryContent(metaJson());
  }

  @Test
  void gzipTestsOurArchiveAsOneIntactMember() throws Exception {
    assumeTool("gzip", "--version");
    Path archive = writeOurArchive();

    Result test = run(dir, "gzip", "-tv", archive.toString());
    Result list = run(dir, "gzip", "-lv", archive.toString());

    assertThat(test.exitCode()).as(test.output()).isZero();
    assertThat(test.output()).endsWith("OK\n");
    assertThat(list.exitCode()).as(list.output()).isZero();
    assertThat(list.output()).contains("defla");
  }

  @Test
  void ourReaderAcceptsWhatPythonTarfileWrites() throws Exception {
    assumeTool("python3", "--version");
    Path meta = Files.write(dir.resolve("meta.json"), metaJson());
    Path state = dir.resolve("state.bin");
    try (InputStream in = TestStates.stream(SEED, SIZE)) {
      Files.copy(in, state);
    }
    Path script = Files.writeString(dir.resolve("write.py"), PYTHON_WRITE);
    Path archive = dir.resolve("python.snap");

    Result r = run(dir, "python3", script.toString(), archive.toString(), meta.toString(), state.toString());

    assertThat(r.exitCode()).as(r.output()).isZero();
    // tarfile pads to a 10 KiB record and names the file in the gzip header (FNAME).
    byte[] gz = Files.readAllBytes(archive);
    assertThat(gz[3] & 0x08).isEqualTo(0x08);
    assertThat(Fixtures.gunzip(gz).length % 10240).isZero();
    try (InputStream in = Files.newInputStream(archive)) {
      ArchiveSummary summary = ArchiveReader.defaults().verify(in);
      assertThat(summary.meta()).isEqualTo(meta());
      assertThat(summary.state().sha256()).isEqualTo(TestStates.sha256(SEED, SIZE));
    }
  }

  @Test
  void ourReaderAcceptsWhatGnuTarAndSha256sumWrite() throws Exception {
    assumeTool("tar", "--version");
    assumeTool("sha256sum", "--version");
    Path src = Files.createDirectory(dir.resolve("src"));
    Files.write(src.resolve("meta.json"), metaJson());
    try (InputStream in = TestStates.stream(SEED, SIZE)) {
      Files.copy(in, src.resolve("state.bin"));
    }
    Result sums = run(src, "sha256sum", "meta.json", "state.bin");
    Files.writeString(src.resolve("SHA256SUMS"), sums.output());
    Path archive = dir.resolve("gnu.snap");

    Result tar = run(src, "tar", "czf", archive.toString(), "meta.json", "state.bin", "SHA256SUMS");

    assertThat(sums.exitCode()).isZero();
    assertThat(tar.exitCode()).as(tar.output()).isZero();
    try (InputStream in = Files.newInputStream(archive)) {
      ArchiveSummary summary = ArchiveReader.defaults().verify(in);
      assertThat(summary.meta()).isEqualTo(meta());
      assertThat(summary.state().sha256()).isEqualTo(TestStates.sha256(SEED, SIZE));
    }
  }

  private Path writeOurArchive() throws IOException {
    Path archive = dir.resolve("ours.snap");
    try (OutputStream out = Files.newOutputStream(archive); InputStream state = TestStates.stream(SEED, SIZE)) {
      Fixtures.writer().write(out, meta(), state);
    }
    return archive;
  }

  private static SnapshotMeta meta() {
    return Fixtures.META.withSize(SIZE);
  }

  private static byte[] metaJson() {
    return MetaJson.encode(meta());
  }

  private static byte[] sums() throws IOException {
    Map<String, byte[]> sums = new LinkedHashMap<>();
    sums.put("meta.json", Fixtures.sha256(metaJson()));
    sums.put("state.bin", TestStates.sha256(SEED, SIZE));
    return Sha256Sums.format(sums);
  }

  private record Result(int exitCode, String output) {}

  /** Runs a command in {@code cwd}, stdout and stderr together, for at most a minute. */
  private static Result run(Path cwd, String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).directory(cwd.toFile()).redirectErrorStream(true).start();
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("timed out: " + List.of(command));
    }
    return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }

  private static void assumeTool(String... probe) {
    boolean present;
    try {
      present = run(Path.of("."), probe).exitCode() == 0;
    } catch (IOException e) {
      present = false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      present = false;
    }
    Assumptions.assumeTrue(present, () -> probe[0] + " is not installed");
  }
}
