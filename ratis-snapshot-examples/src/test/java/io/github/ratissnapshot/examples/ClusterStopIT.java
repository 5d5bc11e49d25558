package io.github.ratissnapshot.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.ratissnapshot.examples.cluster.ExampleCluster;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stopping {@code cluster start} or {@code cluster node} takes seconds; the process says so as it goes. A node
 * that cannot start again says why.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ClusterStopIT {
  @Test
  void aStoppedClusterSaysItIsStoppingAndWhenItHasStopped(@TempDir Path dir) throws Exception {
    String port = String.valueOf(ExampleCluster.freePort());
    BackgroundProcess p = BackgroundProcess.launch("cluster", dir.resolve("logs"), "cluster", "start", "--nodes",
        "1", "--base-port", port, "--dir", dir.resolve("data").toString());
    try (p) {
      p.awaitLine(Pattern.compile("^Cluster of 1 node running"), Duration.ofSeconds(60));
    } // SIGTERM, as Ctrl-C or kill would send

    assertThat(p.isAlive()).isFalse();
    assertThat(p.stdout().lines()).as(p::describe).contains("Stopping the cluster (1 node)...")
        .anyMatch(l -> l.matches("Stopped the cluster \\(1 node\\) in [0-9.]+ s"));
  }

  @Test
  void aNodeKilledWhileItAppendedDropsItsTornLastEntryAndCatchesUp(@TempDir Path dir) throws Exception {
    Map<String, String> peers = ClusterProcess.freePeers(3);
    Map<String, Path> storage = ClusterProcess.storageUnder(dir, peers);
    try (ClusterProcess c = ClusterProcess.startNodes(peers, UUID.randomUUID(), storage, dir.resolve("logs"))) {
      for (int i = 0; i < 5; i++) {
        c.kvOk("put", "k" + i, "value " + i);
      }
      c.awaitDigestOnEveryNode(c.digest());
      c.kill("n3");
      c.kvOk("put", "after", "the kill");
      String expected = c.digest();
      Path segment;
      try (Stream<Path> files = Files.walk(storage.get("n3"))) {
        segment = files.filter(f -> f.getFileName().toString().startsWith("log_inprogress_")).findFirst()
            .orElseThrow();
      }
      // As a write stopped inside the last entry leaves it: its last two bytes and its checksum still the zeros
      // Ratis put there before writing. The entry ends at the last byte that is not zero, inside its checksum;
      // the last entry here is a commit-index entry of 13 bytes (length, 8 bytes, checksum).
      byte[] bytes = Files.readAllBytes(segment);
      int last = bytes.length - 1;
      while (bytes[last] == 0) {
        last--;
      }
      try (RandomAccessFile raf = new RandomAccessFile(segment.toFile(), "rw")) {
        raf.seek(last - 5);
        raf.write(new byte[6]);
      }

      c.restart("n3");

      assertThat(c.stdoutOf("n3").lines().filter(l -> l.startsWith("Node n3: ")))
          .as(c::describe).singleElement().asString()
          .startsWith("Node n3: dropped the torn last entry of " + segment + " (never flushed): kept ");
      c.awaitDigest("n3", expected, ClusterProcess.STARTUP);
    }
  }

  @Test
  void aNodeWhoseLogCannotBeReadSaysWhichFileAndWhyItDidNotStart(@TempDir Path dir) throws Exception {
    Map<String, String> peers = ClusterProcess.freePeers(1);
    Map<String, Path> storage = ClusterProcess.storageUnder(dir, peers);
    UUID group = UUID.randomUUID();
    try (ClusterProcess c = ClusterProcess.startNodes(peers, group, storage, dir.resolve("logs"))) {
      CliAssertions.assertExit(CliProcess.run("kv", "put", "k", "v", "--peers", ClusterProcess.peersArgument(peers),
          "--group", group.toString()), 0); // so that the log has a segment
      c.kill("n1");
    }
    Path segment;
    try (Stream<Path> files = Files.walk(storage.get("n1"))) {
      segment = files.filter(f -> f.getFileName().toString().startsWith("log_inprogress_")).findFirst().orElseThrow();
    }
    try (RandomAccessFile raf = new RandomAccessFile(segment.toFile(), "rw")) {
      raf.write("garbage!".getBytes(StandardCharsets.US_ASCII)); // where Ratis's segment header is
    }

    CliProcess.Result r = CliProcess.run("cluster", "node", "--id", "n1", "--peers",
        ClusterProcess.peersArgument(peers), "--dir", storage.get("n1").toString(), "--group", group.toString());

    CliAssertions.assertExit(r, 1);
    assertThat(r.stderr().lines().filter(l -> l.startsWith("ratis-snapshot cluster node: ")))
        .as(r::describe).singleElement().asString()
        .startsWith("ratis-snapshot cluster node: node n1 did not start: ")
        .contains("Failed to initRaftLog.: File " + segment + " ")
        .contains("is corrupted: Log header mismatched")
        .doesNotContain("java.lang.");
  }
}
