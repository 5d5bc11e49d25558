package io.github.ratissnapshot.examples;

import static io.github.ratissnapshot.examples.CliAssertions.assertExit;
import static io.github.ratissnapshot.examples.CliAssertions.assertOneLineError;
import static io.github.ratissnapshot.examples.CliAssertions.namesIn;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.ratissnapshot.archive.format.ArchiveWriter;
import io.github.ratissnapshot.archive.format.Configuration;
import io.github.ratissnapshot.archive.format.Server;
import io.github.ratissnapshot.archive.format.SnapshotMeta;
import io.github.ratissnapshot.archive.format.Suffrage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * Reading an archive from standard input ({@code -}) gives what reading the file gives; {@code extract}
 * writes the verified state or meta.json and nothing for a bad archive; {@code inspect} reports the archive's
 * size, compression, creation time and writer. No cluster: the archive is written by the library.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ArchivePipesIT {
  private static final Instant CREATED = Instant.parse("2026-11-30T12:34:56.789Z");
  private static final byte[] STATE = "key-value state\n".repeat(50_000).getBytes(StandardCharsets.US_ASCII);

  @TempDir
  static Path shared;

  private static Path archive;

  @BeforeAll
  static void writeAnArchive() throws IOException {
    archive = shared.resolve("state.snap");
    SnapshotMeta meta = SnapshotMeta.of(3, 1234, new Configuration(List.of(
        new Server(Suffrage.VOTER, "n1", "127.0.0.1:9001"))), 1200, STATE.length, CREATED);
    try (OutputStream out = Files.newOutputStream(archive)) {
      ArchiveWriter.defaults().write(out, meta, new ByteArrayInputStream(STATE));
    }
  }

  @Test
  @Execution(ExecutionMode.CONCURRENT)
  void inspectAndVerifyOfStandardInputPrintWhatTheyPrintForTheFile() {
    for (List<String> command : List.of(List.of("inspect"), List.of("inspect", "--format", "json"))) {
      CliProcess.Result fromFile = CliProcess.run(cat(command, archive.toString()));
      CliProcess.Result fromPipe = shell(String.join(" ", command) + " - < " + archive);
      assertExit(fromFile, 0);
      assertExit(fromPipe, 0);
      assertThat(fromPipe.stdout()).as(fromPipe::describe).isEqualTo(fromFile.stdout());
    }
    CliProcess.Result verify = shell("verify - < " + archive);
    assertExit(verify, 0);
    assertThat(verify.stdout()).startsWith("standard input: valid snapshot archive (ID 3-1234-"
        + CREATED.toEpochMilli() + ", Index 1234, Term 3, Size " + STATE.length);
  }

  @Test
  @Execution(ExecutionMode.CONCURRENT)
  void inspectReportsTheArchiveSizeCompressionCreationTimeAndWriter() throws Exception {
    CliProcess.Result text = CliProcess.run("inspect", archive.toString());
    CliProcess.Result json = CliProcess.run("inspect", "--format", "json", archive.toString());

    long archiveBytes = Files.size(archive);
    String ratio = String.format("%.2f", Math.round(100.0 * STATE.length / archiveBytes) / 100.0);
    assertThat(text.stdoutLines()).as(text::describe).contains(
        "Created             2026-11-30T12:34:56.789Z",
        "WrittenBy           ratis-snapshot-archive")
        .anyMatch(l -> l.startsWith("ArchiveSize         " + archiveBytes + " (") && l.endsWith(", " + ratio
            + "x compressed)"));
    JsonNode j = new ObjectMapper().readTree(json.stdout());
    assertThat(j.get("Created").asText()).isEqualTo("2026-11-30T12:34:56.789Z");
    assertThat(j.get("ArchiveSize").asLong()).isEqualTo(archiveBytes);
    assertThat(j.get("CompressionRatio").asDouble()).isEqualTo(Double.parseDouble(ratio));
    assertThat(j.get("WrittenBy").asText()).isEqualTo("ratis-snapshot-archive");
  }

  @Test
  @Execution(ExecutionMode.CONCURRENT)
  void extractWritesTheVerifiedStateAndMetaJson(@TempDir Path dir) throws Exception {
    Path state = dir.resolve("state.bin");
    Path meta = dir.resolve("meta.json");

    CliProcess.Result r = CliProcess.run("extract", archive.toString(), state.toString());
    CliProcess.Result m = shell("extract --meta - " + meta + " < " + archive);

    assertExit(r, 0);
    assertThat(r.stdout().strip()).isEqualTo("Extracted state.bin of 3-1234-" + CREATED.toEpochMilli() + " to "
        + state + " (" + STATE.length + " bytes, sha256 " + sha256(STATE) + ")");
    assertThat(Files.readAllBytes(state)).isEqualTo(STATE);
    assertExit(m, 0);
    JsonNode j = new ObjectMapper().readTree(meta.toFile());
    assertThat(j.get("Index").asLong()).isEqualTo(1234);
    assertThat(j.get("Size").asLong()).isEqualTo(STATE.length);
    assertThat(namesIn(dir)).containsExactly("meta.json", "state.bin");

    CliProcess.Result again = CliProcess.run("extract", archive.toString(), state.toString());
    assertThat(assertOneLineError(again, "extract", 1)).isEqualTo(state + " already exists (use --force to replace it)");
    assertExit(CliProcess.run("extract", "--force", archive.toString(), state.toString()), 0);
  }

  @Test
  @Execution(ExecutionMode.CONCURRENT)
  void extractOfACorruptArchiveWritesNothing(@TempDir Path dir) throws Exception {
    byte[] bytes = Files.readAllBytes(archive);
    bytes[bytes.length - 5] ^= 0x01; // the gzip trailer's size field
    Path bad = Files.write(dir.resolve("bad.snap"), bytes);

    CliProcess.Result r = CliProcess.run("extract", bad.toString(), dir.resolve("state.bin").toString());

    assertOneLineError(r, "extract", 3);
    assertThat(namesIn(dir)).containsExactly("bad.snap");
  }

  /** Runs the CLI under bash, for redirections; the arguments are not quoted. */
  private static CliProcess.Result shell(String args) {
    String command = String.join(" ", CliProcess.jarCommand()) + " " + args;
    return CliProcess.exec(List.of("bash", "-c", command), Map.of(), CliProcess.DEFAULT_TIMEOUT);
  }

  private static String[] cat(List<String> command, String file) {
    String[] args = command.toArray(new String[command.size() + 1]);
    args[command.size()] = file;
    return args;
  }

  private static String sha256(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }
}
