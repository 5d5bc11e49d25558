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
      // The entry n3 was appending when it was killed, as such a write leaves it: whole but for its checksum,
      // still the zeros Ratis put there before writing; an entry n3 never acknowledged. (Tearing n3's last
      // entry on disk instead was flaky: when it was an acknowledged entry rather than a local commit-index
      // entry, the leader, which counts it as n3's, never sent it again.) The segment is the 8-byte header and
      // entries, each a varint length, the entry and a 4-byte checksum, then zeros.
      byte[] bytes = Files.readAllBytes(segment);
      int end = 8;
      int lastStart = -1;
      int lastBodyEnd = -1;
      while (true) {
        int start = end;
        long length = 0;
        int b;
        int shift = 0;
        do {
          b = bytes[end++] & 0xff;
          length |= (long) (b & 0x7f) << shift;
          shift += 7;
        } while ((b & 0x80) != 0);
        if (length == 0) {
          end = start;
          break;
        }
        lastStart = start;
        lastBodyEnd = end + (int) length;
        end = lastBodyEnd + 4;
      }
      assertThat(lastStart).as("an entry in %s", segment).isPositive();
      assertThat(end + (lastBodyEnd - lastStart) + 4).as("room after the last entry").isLessThan(bytes.length);
      try (RandomAccessFile raf = new RandomAccessFile(segment.toFile(), "rw")) {
        raf.seek(end);
        raf.write(bytes, lastStart, lastBodyEnd - lastStart); // a copy of the last entry, its checksum zeros
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
