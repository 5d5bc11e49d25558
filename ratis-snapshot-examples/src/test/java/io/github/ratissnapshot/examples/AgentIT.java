package io.github.ratissnapshot.examples;

import static io.github.ratissnapshot.examples.CliAssertions.assertExit;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ratis-snapshot agent} against the example cluster, each agent a real process. The tests share one
 * group, so all but the lease's own test run without the lease ({@code --no-lease}): a SIGKILLed agent's
 * lease would otherwise stand the next test's agent by.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class AgentIT {
  private static final Pattern PUBLISHED = Pattern.compile(
      "^\\S+Z published term \\d+ index (\\d+) \\(.+\\) to (.+?)(; retention deleted (\\d+))? in [\\d.]+ s$");

  @TempDir
  static Path shared;

  private static ClusterProcess cluster;

  @BeforeAll
  static void startCluster() {
    cluster = ClusterProcess.start(shared.resolve("cluster"), 3);
    cluster.kvOk("load", "--keys", "500", "--prefix", "agent/");
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static CliProcess.Result once(String... more) {
    List<String> args = new ArrayList<>(List.of("agent", "--once", "--no-lease"));
    args.addAll(cluster.groupArguments());
    args.addAll(List.of(more));
    return CliProcess.run(args.toArray(String[]::new));
  }

  private static List<Path> archives(Path store) throws Exception {
    Path dir = store.resolve(cluster.group().toString());
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".snap")).sorted().toList();
    }
  }

  @Test
  void aCyclePublishesVerifiedArchivesSkipsWhenNothingChangedAndKeepsWhatRetentionNames(@TempDir Path dir)
      throws Exception {
    Path first = dir.resolve("first");
    Path second = dir.resolve("second");
    CliProcess.Result published = once("--to", first.toString());
    assertExit(published, 0);
    assertThat(published.stdoutLines()).hasSize(1);
    assertThat(PUBLISHED.matcher(published.stdoutLines().get(0)).matches()).as(published::describe).isTrue();
    assertThat(archives(first)).hasSize(1);
    assertExit(CliProcess.run("verify", archives(first).get(0).toString()), 0);

    CliProcess.Result skipped = once("--to", first.toString());
    assertExit(skipped, 0);
    assertThat(skipped.stdoutLines().get(0)).matches("^\\S+Z skipped: nothing changed since "
        + Pattern.quote(archives(first).get(0).getFileName().toString()) + " \\(the group's state is as of index \\d+\\)$");
    assertThat(archives(first)).hasSize(1);

    cluster.kvOk("put", "agent/changed", "yes");
    Thread.sleep(1100); // names are to the second
    CliProcess.Result again = once("--to", first.toString(), "--to", second.toString(), "--retain", "last=1");
    assertExit(again, 0);
    Matcher m = PUBLISHED.matcher(again.stdoutLines().get(0));
    assertThat(m.matches()).as(again::describe).isTrue();
    assertThat(m.group(4)).as("the older archive in the first store").isEqualTo("1");
    assertThat(archives(first)).hasSize(1);
    assertThat(archives(second)).hasSize(1);
    assertThat(archives(first).get(0).getFileName()).isEqualTo(archives(second).get(0).getFileName());
    assertThat(Files.readAllBytes(archives(first).get(0))).isEqualTo(Files.readAllBytes(archives(second).get(0)));
  }

  @Test
  void aStoreThatRefusesFailsTheCycleAtPublishWithOneLineAndNothingUnderAFinalName(@TempDir Path dir)
      throws Exception {
    Path notADirectory = Files.writeString(dir.resolve("store"), "a file where the store should be");

    CliProcess.Result r = once("--to", notADirectory.toString());

    assertExit(r, 1);
    assertThat(r.stdoutLines()).hasSize(1);
    assertThat(r.stdoutLines().get(0)).matches("^\\S+Z FAILED at (publish|save): .*" + Pattern.quote(
        notADirectory.toString()) + ".*");
    assertThat(notADirectory).hasContent("a file where the store should be");
  }

  /** Waits until the looping agent has printed {@code n} published lines (each ending with its next run). */
  private static void awaitPublished(BackgroundProcess loop, int n) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (loop.stdout().lines().filter(l -> l.matches("^\\S+Z published term \\d+ index \\d+ .* in [\\d.]+ s; "
        + "next at \\S+Z$")).count() < n) {
      assertThat(System.nanoTime()).as(loop::describe).isLessThan(deadline);
      assertThat(loop.isAlive()).as(loop::describe).isTrue();
      Thread.sleep(100);
    }
  }

  @Test
  void whatADeadAgentLeftIsCleanedUpByTheNextAndAKilledLoopLeavesOnlyWholeArchives(@TempDir Path dir)
      throws Exception {
    Path store = dir.resolve("store");
    Path groupDir = Files.createDirectories(store.resolve(cluster.group().toString()));
    Path leftover = Files.writeString(groupDir.resolve("20261202T000000Z-t1-i1.snap.part"), "half an upload");
    Path leftoverSums = Files.writeString(groupDir.resolve("20261202T000000Z-t1-i1.snap.sha256"), "x");

    // Retention deletes an archive each cycle, so the kill may land mid-retention as well as mid-save or publish.
    BackgroundProcess loop = BackgroundProcess.launch("agent", dir.resolve("logs"), Stream.concat(Stream.of(
        "agent", "--no-lease", "--interval", "1s", "--to", store.toString(), "--retain", "last=1"),
        cluster.groupArguments().stream()).toArray(String[]::new));
    try {
      awaitPublished(loop, 1);
      cluster.kvOk("put", "agent/loop", "1");
      awaitPublished(loop, 2);
      assertThat(loop.stdout().lines().filter(l -> l.contains(" skipped: ")).count()).as(loop::describe)
          .as("cycles between the writes skip").isPositive();
      assertThat(leftover).doesNotExist();
      assertThat(leftoverSums).doesNotExist();
      cluster.kvOk("put", "agent/loop", "2");
      Thread.sleep(700);
    } finally {
      loop.kill(); // SIGKILL, wherever the cycle is
    }
    for (Path archive : archives(store)) {
      assertExit(CliProcess.run("verify", archive.toString()), 0);
    }
    CliProcess.Result next = once("--to", store.toString());
    assertExit(next, 0);
    List<String> left;
    try (Stream<Path> s = Files.list(groupDir)) {
      left = s.map(p -> p.getFileName().toString()).toList();
    }
    assertThat(left).allMatch(n -> n.endsWith(".snap") || n.endsWith(".snap.sha256"));
    assertThat(left).as("digests whose archive retention deleted are cleaned up")
        .allMatch(n -> !n.endsWith(".sha256") || left.contains(n.substring(0, n.length() - ".sha256".length())));
  }

  @Test
  void statusAndMetricsAreServedAndTheAgentSaysWhenItIsUnhealthy(@TempDir Path dir) throws Exception {
    Path store = dir.resolve("store");
    int port = FreePorts.any(1)[0];
    BackgroundProcess agent = BackgroundProcess.launch("agent-http", dir.resolve("logs"), Stream.concat(Stream.of(
        "agent", "--no-lease", "--interval", "1s", "--to", store.toString(), "--http", "127.0.0.1:" + port),
        cluster.groupArguments().stream()).toArray(String[]::new));
    HttpClient http = HttpClient.newHttpClient();
    try {
      awaitPublished(agent, 1);
      HttpResponse<String> status = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
          + "/status")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(status.statusCode()).isEqualTo(200);
      JsonNode json = new ObjectMapper().readTree(status.body());
      assertThat(json.get("healthy").asBoolean()).isTrue();
      assertThat(json.get("lastSuccess").isNull()).isFalse();
      assertThat(json.get("nextRun").asText()).endsWith("Z");
      assertThat(json.get("lastCycle").get("outcome").asText()).isIn("published", "skipped");
      HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
          + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(metrics.statusCode()).isEqualTo(200);
      assertThat(metrics.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t)
          .startsWith("text/plain"));
      assertThat(metrics.body()).contains("ratis_snapshot_agent_cycles_total{outcome=\"published\"} 1.0",
          "ratis_snapshot_agent_healthy 1.0", "ratis_snapshot_agent_stage_seconds_count{stage=\"save\"} 1",
          "ratis_snapshot_agent_archives_kept{destination=\"" + store + "\"} 1.0",
          "ratis_snapshot_agent_archive_bytes_count 1");
      assertThat(metrics.body().lines().filter(l -> l.startsWith("ratis_snapshot_agent_last_success_time_seconds "))
          .map(l -> Double.parseDouble(l.split(" ")[1]))).singleElement().satisfies(t -> assertThat(t).isPositive());
    } finally {
      agent.close();
    }

    Path refusing = Files.writeString(dir.resolve("refusing"), "a file, not a directory");
    cluster.kvOk("put", "agent/unhealthy", "1");
    BackgroundProcess failing = BackgroundProcess.launch("agent-failing", dir.resolve("logs"), Stream.concat(
        Stream.of("agent", "--no-lease", "--interval", "1s", "--to", refusing.toString(), "--max-failures", "2", "--http",
            "127.0.0.1:" + port), cluster.groupArguments().stream()).toArray(String[]::new));
    try {
      String line = failing.awaitLine(Pattern.compile("UNHEALTHY: 2 failed cycles in a row$"), Duration.ofSeconds(60));
      assertThat(line).contains(" FAILED at publish: " + refusing);
      HttpResponse<String> status = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
          + "/status")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(status.statusCode()).isEqualTo(503);
      JsonNode json = new ObjectMapper().readTree(status.body());
      assertThat(json.get("healthy").asBoolean()).isFalse();
      assertThat(json.get("lastCycle").get("stage").asText()).isEqualTo("publish");
      assertThat(json.get("lastCycle").get("error").asText()).startsWith(refusing.toString());
    } finally {
      failing.close();
    }
  }

  @Test
  void optionsComeFromAConfigFileAsWell(@TempDir Path dir) throws Exception {
    Path store = dir.resolve("store");
    Path config = Files.writeString(dir.resolve("agent.conf"), "# the agent of the example cluster\n"
        + String.join(" ", cluster.groupArguments()) + "\n--to " + store + "\n--retain last=3\n");

    CliProcess.Result r = CliProcess.run("agent", "--config", config.toString(), "--once", "--no-lease");

    assertExit(r, 0);
    assertThat(r.stdoutLines().get(0)).matches("^\\S+Z (published|skipped).*");
    assertThat(archives(store)).hasSize(1);
    CliProcess.Result missing = CliProcess.run("agent", "--config", dir.resolve("nope.conf").toString(), "--once");
    assertExit(missing, 2);
    assertThat(missing.stderrLines()).containsExactly("ratis-snapshot: --config " + dir.resolve("nope.conf")
        + ": no such readable file");
  }

  @Test
  void ofTwoAgentsOnlyTheLeaseHolderArchivesAndTheOtherTakesOverWhenItDies(@TempDir Path dir) throws Exception {
    Path store = dir.resolve("store");
    BackgroundProcess a = BackgroundProcess.launch("agent-a", dir.resolve("logs"), Stream.concat(Stream.of("agent",
        "--interval", "1s", "--lease-ttl", "3s", "--holder", "agent-a", "--to", store.toString()),
        cluster.groupArguments().stream()).toArray(String[]::new));
    BackgroundProcess b = null;
    try {
      awaitPublished(a, 1);
      b = BackgroundProcess.launch("agent-b", dir.resolve("logs"), Stream.concat(Stream.of("agent", "--interval",
          "1s", "--lease-ttl", "3s", "--holder", "agent-b", "--to", store.toString()),
          cluster.groupArguments().stream()).toArray(String[]::new));
      String standby = b.awaitLine(Pattern.compile(" standby: "), Duration.ofSeconds(60));
      assertThat(standby).contains("standby: the archiving lease is held by agent-a until ");
      cluster.kvOk("put", "agent/lease", "1");
      awaitPublished(a, 2);
      assertThat(b.stdout()).as("the standby agent archives nothing").doesNotContain(" published ");
      CliProcess.Result status = CliProcess.run(Stream.concat(Stream.of("status"), cluster.groupArguments().stream())
          .toArray(String[]::new));
      assertThat(status.stdoutLines().get(1)).as(status::describe).startsWith("Archiving lease: held by agent-a until ");

      a.kill(); // SIGKILL: no release; b takes over once the lease expires
      long killed = System.nanoTime();
      cluster.kvOk("put", "agent/lease", "2");
      awaitPublished(b, 1);
      assertThat(Duration.ofNanos(System.nanoTime() - killed)).as("takeover within the lease time and a cycle")
          .isLessThan(Duration.ofSeconds(20));
    } finally {
      a.close();
      if (b != null) {
        b.close();
      }
    }
    List<String> publishedNames = Stream.concat(a.stdout().lines(), b.stdout().lines())
        .filter(l -> l.contains(" published ")).map(l -> l.replaceAll(".* to (\\S+) in .*", "$1")).toList();
    assertThat(publishedNames).as("no cycle ran twice").hasSize(3).doesNotHaveDuplicates();
    assertThat(archives(store)).hasSize(3);
    for (Path archive : archives(store)) {
      assertExit(CliProcess.run("verify", archive.toString()), 0);
    }
  }
}
