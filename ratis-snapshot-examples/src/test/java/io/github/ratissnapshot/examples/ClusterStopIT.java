package io.github.ratissnapshot.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.ratissnapshot.examples.cluster.ExampleCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Stopping {@code cluster start} or {@code cluster node} takes seconds; the process says so as it goes. */
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
}
