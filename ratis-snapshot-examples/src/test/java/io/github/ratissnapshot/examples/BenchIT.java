package io.github.ratissnapshot.examples;

import static io.github.ratissnapshot.examples.CliAssertions.assertExit;
import static io.github.ratissnapshot.examples.CliAssertions.assertOneLineError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ratis-snapshot bench} as a user runs it, on small states: it finishes, prints only its table (Ratis's
 * own log goes to a file, deleted when the run succeeds) or one JSON object, and fails in one line.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class BenchIT {
  private static final Duration RUN = Duration.ofMinutes(5);

  @Test
  void clusterBenchPrintsItsTableAndNothingElse(@TempDir Path dir) throws IOException {
    CliProcess.Result r = CliProcess.run(RUN, "bench", "cluster", "--size", "8MiB", "--dir", dir.toString());

    assertExit(r, 0);
    assertThat(r.stderr()).as(r::describe).isEmpty();
    List<String> lines = r.stdout().lines().toList();
    assertThat(lines).as(r::describe).hasSize(6);
    assertThat(lines.get(0)).startsWith("Cluster benchmark: 8.00 MiB of key-value-like state, 3 nodes on loopback");
    assertThat(lines.get(1)).matches("generate the state on every node +[0-9.]+ s");
    assertThat(lines.get(2)).matches("save \\(snapshot, pull, archive\\) +[0-9.]+ s +[0-9.]+ MB/s");
    assertThat(lines.get(3)).matches("online restore \\(every node has the state\\) +[0-9.]+ s +[0-9.]+ MB/s");
    assertThat(lines.get(4)).matches("baseline: InstallSnapshot to a new server +[0-9.]+ s +[0-9.]+ MB/s");
    assertThat(lines.get(5)).matches(
        "archive [0-9.]+ [KM]iB \\([0-9.]+x\\); restore takes [0-9.]+x the time of one InstallSnapshot");
    assertThat(CliAssertions.namesIn(dir)).as("the scratch directory and Ratis's log are removed").isEmpty();
  }

  @Test
  void clusterBenchAsJsonIsOneObjectWithEveryFigure(@TempDir Path dir) throws IOException {
    JsonNode j = runAsJson("cluster", dir);

    assertThat(fieldNames(j)).contains("ArchiveBytes", "CompressionRatio", "GenerateSeconds", "SaveSeconds",
        "SaveMBps", "RestoreSeconds", "RestoreMBps", "BaselineInstallSnapshotSeconds",
        "BaselineInstallSnapshotMBps", "RestoreVsInstallSnapshot", "SaveVsInstallSnapshot");
    for (String figure : List.of("SaveSeconds", "RestoreSeconds", "BaselineInstallSnapshotSeconds",
        "CompressionRatio")) {
      assertThat(j.get(figure).asDouble()).as(figure).isPositive().isFinite();
    }
    assertThat(j.get("RestoreVsInstallSnapshot").asDouble())
        .isCloseTo(j.get("RestoreSeconds").asDouble() / j.get("BaselineInstallSnapshotSeconds").asDouble(),
            offset(1e-9));
  }

  @Test
  void formatBenchAsJsonIsOneObjectWithEveryFigure(@TempDir Path dir) throws IOException {
    JsonNode j = runAsJson("format", dir);

    assertThat(fieldNames(j)).contains("BaselineGzipWriteMBps", "ArchiveWrite1ThreadMBps",
        "ArchiveWriteNThreadsMBps", "BaselineGunzipMBps", "ArchiveVerifyMBps", "ArchiveWriteNThreadsVsGzip",
        "ArchiveVerifyVsGunzip", "CompressionRatio", "PeakHeapBytes");
    assertThat(j.get("ArchiveVerifyMBps").asDouble()).isPositive().isFinite();
  }

  @Test
  void aScratchDirectoryThatCannotBeMadeFailsInOneLine(@TempDir Path dir) throws IOException {
    Path file = Files.writeString(dir.resolve("not-a-dir"), "x");

    CliProcess.Result r = CliProcess.run(RUN, "bench", "cluster", "--size", "8MiB", "--dir",
        file.resolve("sub").toString());

    assertThat(assertOneLineError(r, "bench cluster", 1)).contains(file.toString());
    assertThat(r.stdout()).isEmpty();
  }

  /** Runs {@code bench BENCHMARK --format json} on 8 MiB; asserts it succeeds and prints only its JSON. */
  private static JsonNode runAsJson(String benchmark, Path dir) throws IOException {
    CliProcess.Result r = CliProcess.run(RUN, "bench", benchmark, "--size", "8MiB", "--format", "json",
        "--dir", dir.toString());
    assertExit(r, 0);
    assertThat(r.stderr()).as(r::describe).isEmpty();
    JsonNode j = new ObjectMapper().readTree(r.stdout());
    assertThat(j.get("Benchmark").asText()).isEqualTo(benchmark);
    assertThat(j.get("StateBytes").asLong()).isEqualTo(8L << 20);
    return j;
  }

  private static List<String> fieldNames(JsonNode j) {
    List<String> names = new ArrayList<>();
    j.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
