package io.github.ratissnapshot.examples;

import static io.github.ratissnapshot.examples.CliAssertions.assertExit;
import static io.github.ratissnapshot.examples.CliAssertions.assertOneLineError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.ratissnapshot.archive.store.S3TestServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

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
    String row = " +[0-9.]+ s +[0-9.]+ MB/s +[0-9.]+ cores";
    assertThat(lines).as(r::describe).hasSize(18);
    assertThat(lines.get(0)).matches("Cluster benchmark: 8.00 MiB of key-value-like state, 3 nodes on loopback "
        + "in this process, [0-9]+ processors, Java \\S+, this JVM's heap at most [0-9.]+ [MG]iB");
    assertThat(lines.get(1)).matches("generate the state on every node +[0-9.]+ s");
    assertThat(lines.subList(2, 17)).as(r::describe).satisfiesExactly(
        l -> assertThat(l).matches("baseline: archive write from a local file" + row),
        l -> assertThat(l).matches("save \\(snapshot, pull, archive\\)" + row),
        l -> assertThat(l).matches("  of which: the leader's snapshot" + row),
        l -> assertThat(l).matches("  of which: pull and archive \\(leader compresses\\)" + row),
        l -> assertThat(l).matches("  same pull and archive, compressed here" + row),
        l -> assertThat(l).matches("  same pull and archive again, as the save" + row),
        l -> assertThat(l).matches("  same pull and archive, inflated here to check" + row),
        l -> assertThat(l).matches("pull alone: same snapshot, level 0, to nowhere" + row),
        l -> assertThat(l).matches("save \\+ verify \\(what ratis-snapshot save does\\)" + row),
        l -> assertThat(l).matches("agent cycle to a local store" + row),
        l -> assertThat(l).matches("online restore \\(every node has the state\\)" + row),
        l -> assertThat(l).matches("  of which: send the archive into the log" + row),
        l -> assertThat(l).matches("  of which: last chunks in, verify, extract" + row),
        l -> assertThat(l).matches("  of which: commit, swap, every node answers" + row),
        l -> assertThat(l).matches("baseline: InstallSnapshot to a new server" + row));
    assertThat(lines.get(17)).matches("archive [0-9.]+ [KM]iB \\([0-9.]+x\\); save runs at [0-9.]+x the local "
        + "archive write; an agent cycle takes [0-9.]+x a save; restore takes [0-9.]+x the time of one "
        + "InstallSnapshot");
    assertThat(CliAssertions.namesIn(dir)).as("the scratch directory and Ratis's log are removed").isEmpty();
  }

  @Test
  void clusterBenchOfOneNodeAsJsonIsOneObjectWithEveryFigure(@TempDir Path dir) throws IOException {
    JsonNode j = runAsJson("cluster", dir, "--nodes", "1");

    assertThat(j.get("Nodes").asInt()).isEqualTo(1);

    assertThat(fieldNames(j)).contains("ArchiveBytes", "CompressionRatio", "GenerateSeconds", "SaveSeconds",
        "SaveMBps", "RestoreSeconds", "RestoreMBps", "BaselineInstallSnapshotSeconds",
        "BaselineInstallSnapshotMBps", "RestoreVsInstallSnapshot", "SaveVsInstallSnapshot", "VerifySeconds",
        "AgentCycleSeconds", "AgentCycleMBps", "AgentCycleVsSave");
    for (String figure : List.of("SaveSeconds", "RestoreSeconds", "BaselineInstallSnapshotSeconds",
        "CompressionRatio", "AgentCycleSeconds", "VerifySeconds")) {
      assertThat(j.get(figure).asDouble()).as(figure).isPositive().isFinite();
    }
    assertThat(j.get("RestoreVsInstallSnapshot").asDouble())
        .isCloseTo(j.get("RestoreSeconds").asDouble() / j.get("BaselineInstallSnapshotSeconds").asDouble(),
            offset(1e-9));
  }

  /**
   * The cluster benchmark with each node in a process of its own: the same figures, the stages of save and
   * restore adding up, and no node process left running once it returns.
   */
  @Test
  void clusterBenchWithNodeProcessesPrintsEveryFigureAndLeavesNoProcessBehind(@TempDir Path dir) throws IOException {
    CliProcess.Result r = CliProcess.exec(CliProcess.jarCommand(List.of("-Xmx64m"), "bench", "cluster", "--size",
        "8MiB", "--format", "json", "--dir", dir.toString(), "--processes"), Map.of(), RUN);
    assertExit(r, 0);
    // At 64 MiB the JVM may warn about its heap on standard output before the JSON.
    int start = r.stdout().indexOf("{\n");
    assertThat(start).as(r::describe).isNotNegative();
    JsonNode j = new ObjectMapper().readTree(r.stdout().substring(start));

    assertThat(j.get("NodesRun").asText()).isEqualTo("processes");
    assertThat(j.get("MaxHeapBytes").asLong()).as("the client's heap").isLessThanOrEqualTo(64L << 20);
    assertThat(fieldNames(j)).contains("BaselineLocalArchiveWriteSeconds", "BaselineLocalArchiveWriteMBps",
        "SaveSnapshotSeconds", "SavePullAndArchiveSeconds", "PullAloneSeconds", "PullAloneMBps",
        "PullAndArchiveCompressedHereSeconds", "PullAndArchiveAgainSeconds", "PullAndArchiveInflatedToCheckSeconds",
        "CompressOnServerVsHere",
        "SaveVsLocalArchiveWrite", "RestoreSendSeconds", "RestorePrepareSeconds", "RestoreCommitSeconds",
        "SaveCores", "RestoreCores", "BaselineInstallSnapshotCores");
    // The node processes' CPU counts: a save keeps at least part of a core busy, and no stage more than all.
    int cpus = Runtime.getRuntime().availableProcessors();
    for (String stage : List.of("Save", "Restore", "BaselineInstallSnapshot", "BaselineLocalArchiveWrite")) {
      assertThat(j.get(stage + "Cores").asDouble()).as(stage + "Cores").isPositive().isLessThan(cpus + 0.5);
    }
    for (String figure : List.of("SaveSeconds", "SaveSnapshotSeconds", "SavePullAndArchiveSeconds",
        "PullAndArchiveCompressedHereSeconds", "PullAndArchiveAgainSeconds", "PullAndArchiveInflatedToCheckSeconds",
        "PullAloneSeconds",
        "BaselineLocalArchiveWriteSeconds", "RestoreSeconds", "RestoreSendSeconds",
        "RestorePrepareSeconds", "RestoreCommitSeconds", "BaselineInstallSnapshotSeconds")) {
      assertThat(j.get(figure).asDouble()).as(figure).isPositive().isFinite();
    }
    assertThat(j.get("SaveSnapshotSeconds").asDouble() + j.get("SavePullAndArchiveSeconds").asDouble())
        .isCloseTo(j.get("SaveSeconds").asDouble(), offset(1e-9));
    assertThat(j.get("RestoreSendSeconds").asDouble() + j.get("RestorePrepareSeconds").asDouble()
        + j.get("RestoreCommitSeconds").asDouble()).isCloseTo(j.get("RestoreSeconds").asDouble(), offset(1e-9));
    assertThat(j.get("CompressOnServerVsHere").asDouble()).isCloseTo(j.get("SavePullAndArchiveSeconds").asDouble()
        / j.get("PullAndArchiveCompressedHereSeconds").asDouble(), offset(1e-9));
    assertThat(j.get("SaveVsLocalArchiveWrite").asDouble()).isCloseTo(
        j.get("BaselineLocalArchiveWriteSeconds").asDouble() / j.get("SaveSeconds").asDouble(), offset(1e-9));
    assertThat(ProcessHandle.allProcesses().map(p -> p.info().commandLine().orElse(""))
        .filter(c -> c.contains(dir.toString()) && c.contains("cluster node")))
        .as("node processes of this run still running").isEmpty();
    assertThat(CliAssertions.namesIn(dir)).as("the scratch directory and Ratis's log are removed").isEmpty();
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

  /**
   * The store benchmark against a real S3 protocol server (s3proxy in this JVM, keeping objects in memory so
   * that the figure is the client's and the protocol's, not the test server's disk), the CLI in a 64 MiB heap:
   * it prints its figures, uploads without holding the file in memory, and deletes only what it published.
   * {@code -Dbench.store.size=1GiB} gives the README's figures (printed to this test's output).
   */
  @Test
  void storeBenchAgainstS3PublishesInA64MiBHeapAndDeletesOnlyWhatItPublished(@TempDir Path dir) throws Exception {
    String size = System.getProperty("bench.store.size", "48MiB");
    try (S3TestServer s3 = S3TestServer.startInMemory()) {
      s3.createBucket("bench");
      try (S3Client raw = s3.client()) {
        raw.putObject(b -> b.bucket("bench").key("someone-else/keep.txt"), RequestBody.fromString("not ours"));
      }
      Path scratch = Files.createDirectories(dir.resolve("scratch"));
      CliProcess.Result r = CliProcess.exec(CliProcess.jarCommand(List.of("-Xmx64m"), "bench", "store", "--to",
          s3.location("bench", "part-size=8MiB"), "--size", size, "--dir", scratch.toString(), "--format", "json"),
          Map.of("AWS_ACCESS_KEY_ID", S3TestServer.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", S3TestServer.SECRET_KEY),
          Duration.ofMinutes(30));

      assertExit(r, 0);
      System.out.println("bench store --size " + size + " (-Xmx64m): " + r.stdout());
      // At 64 MiB the JVM may warn about its heap on standard output before the JSON.
      int json = r.stdout().indexOf("{\n");
      assertThat(json).as(r::describe).isNotNegative();
      JsonNode j = new ObjectMapper().readTree(r.stdout().substring(json));
      assertThat(j.get("StateBytes").asLong()).isEqualTo(io.github.ratissnapshot.archive.cli.Sizes.parse(size));
      for (String figure : List.of("BaselineLocalPublishMBps", "StorePublishMBps", "StorePublishVsLocal",
          "ReadBackMBps")) {
        assertThat(j.get(figure).asDouble()).as(figure).isPositive().isFinite();
      }
      assertThat(j.get("MaxHeapBytes").asLong()).isLessThanOrEqualTo(64L << 20);
      assertThat(j.get("PeakHeapBytes").asLong()).as("the heap the publish used").isLessThan(64L << 20);
      try (S3Client raw = s3.client(); Stream<S3Object> left = raw.listObjectsV2Paginator(b -> b.bucket("bench"))
          .contents().stream()) {
        assertThat(left.map(S3Object::key).filter(k -> !k.startsWith(".mpus-") && k.contains("/")))
            .containsExactly("someone-else/keep.txt");
      }
      assertThat(CliAssertions.namesIn(scratch)).as("the scratch directory is removed").isEmpty();
    }
  }

  /** Runs {@code bench BENCHMARK --format json} on 8 MiB; asserts it succeeds and prints only its JSON. */
  private static JsonNode runAsJson(String benchmark, Path dir, String... more) throws IOException {
    List<String> args = new ArrayList<>(List.of("bench", benchmark, "--size", "8MiB", "--format", "json",
        "--dir", dir.toString()));
    args.addAll(List.of(more));
    CliProcess.Result r = CliProcess.run(RUN, args.toArray(String[]::new));
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
