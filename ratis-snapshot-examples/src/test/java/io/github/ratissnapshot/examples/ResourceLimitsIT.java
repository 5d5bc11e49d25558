package io.github.ratissnapshot.examples;

import static io.github.ratissnapshot.examples.CliAssertions.assertExit;
import static io.github.ratissnapshot.examples.CliAssertions.assertOneLineError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The limits of the machine: a restore that does not fit on the servers' disks fails cleanly and changes
 * nothing, a save whose snapshot does not fit on the server's disk fails at once and changes nothing, and
 * archives far larger than the heap save and restore with small heaps, because nothing holds a
 * state or an archive in memory.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ResourceLimitsIT {
  /**
   * Each node's disk in the full-disk tests: an 8 MiB state and the staged 27 MB archive fit, its 128 MiB
   * state does not; a 60 MiB state fits, it and its snapshot do not.
   */
  private static final String NODE_DISK = "100m";
  private static final Pattern SAVED = Pattern.compile("Size (\\d+) \\(state sha256 ([0-9a-f]{64})\\); archive (\\d+) bytes");

  /**
   * n1 has room, n2 and n3 do not, and the operator names only n1: the restore still counts the group's real
   * membership, sees that n2 or n3 cannot stage the archive and aborts. (Committing on n1's word alone would
   * stop n2 and n3 at the commit, and the group would lose its quorum.)
   */
  @Test
  void restoreThatDoesNotFitOnTheServersDisksFailsAndEveryNodeKeepsItsState(@TempDir Path dir) {
    String why = PrivateMount.unavailableReason(dir);
    assumeTrue(why == null, () -> "each node needs its own small tmpfs (unshare -m, mount -t tmpfs): " + why);

    // The archive of a large state, made by a cluster on the ordinary disk.
    Path big = dir.resolve("big.snap");
    String bigState;
    try (ClusterProcess source = ClusterProcess.start(dir.resolve("source"), 1, ClusterProcess.Launch.DEFAULT.blob())) {
      bigState = source.blobOk("generate", "--size", "128MiB", "--seed", "7");
      List<String> save = new ArrayList<>(List.of("save"));
      save.addAll(source.groupArguments());
      save.add(big.toString());
      assertExit(CliProcess.run(Duration.ofMinutes(3), save.toArray(String[]::new)), 0);
    }

    try (ClusterProcess cluster = startOnSmallDisks(dir, Set.of("n2", "n3"))) {
      String old = cluster.blobOk("generate", "--size", "8MiB", "--seed", "1");
      assertThat(old).isNotEqualTo(bigState);

      List<String> restore = List.of("restore", "--peers", "n1=" + cluster.address("n1"), "--group",
          cluster.group().toString(), big.toString());
      CliProcess.Result r = CliProcess.run(Duration.ofMinutes(3), restore.toArray(String[]::new));

      String message = assertOneLineError(r, "restore", 1);
      assertThat(message).as(r::describe).containsPattern("server n[23]: ")
          .containsIgnoringCase("No space left on device");
      for (String id : cluster.ids()) {
        assertThat(cluster.isRunning(id)).as("node %s keeps running%n%s", id, cluster.describe()).isTrue();
      }
      List<String> states = CliProcess.concurrently(cluster.ids().stream()
          .map(id -> (Callable<String>) () -> cluster.fingerprintOf(id)).toList());
      assertThat(states).as("every node keeps its old state").containsOnly(old);

      List<String> abort = new ArrayList<>(List.of("restore", "--abort"));
      abort.addAll(cluster.groupArguments());
      CliProcess.Result aborted = CliProcess.run(abort.toArray(String[]::new));
      assertExit(aborted, 0);
      assertThat(aborted.stdout()).as("no restore stays open").startsWith("No restore was open");
      String next = cluster.blobOk("generate", "--size", "8MiB", "--seed", "3");
      assertThat(next).isNotEqualTo(old);
      assertThat(cluster.awaitSameFingerprintOnEveryNode(ClusterProcess.STARTUP)).as("the group takes writes again")
          .isEqualTo(next);
      for (String id : cluster.ids()) {
        assertThat(cluster.isRunning(id)).as("node %s keeps running%n%s", id, cluster.describe()).isTrue();
      }
    }
  }

  @Test
  void saveWhoseSnapshotDoesNotFitOnTheLeadersDiskFailsAndTheGroupKeepsWorking(@TempDir Path dir) {
    String why = PrivateMount.unavailableReason(dir);
    assumeTrue(why == null, () -> "each node needs its own small tmpfs (unshare -m, mount -t tmpfs): " + why);
    try (ClusterProcess cluster = startOnSmallDisks(dir, Set.of("n1", "n2", "n3"))) {
      // 60 MiB of state on a 100 MiB disk: a snapshot of it, another 60 MiB, cannot be written.
      String state = cluster.blobOk("generate", "--size", "60MiB", "--seed", "5");
      Path file = dir.resolve("saves").resolve("full.snap");
      mkdirs(file.getParent());

      CliProcess.Result r = exec(List.of(), Duration.ofMinutes(3), "save", cluster, file.toString());

      String message = assertOneLineError(r, "save", 1);
      assertThat(message).as(r::describe).containsIgnoringCase("No space left on device");
      assertThat(CliAssertions.namesIn(file.getParent())).as("no FILE, no FILE.part").isEmpty();
      for (String id : cluster.ids()) {
        assertThat(cluster.isRunning(id)).as("node %s keeps running%n%s", id, cluster.describe()).isTrue();
      }
      assertThat(cluster.awaitSameFingerprintOnEveryNode(ClusterProcess.STARTUP)).as("every node keeps its state")
          .isEqualTo(state);

      // The failed snapshot's space is given back: a smaller state is written and saved.
      String smaller = cluster.blobOk("generate", "--size", "30MiB", "--seed", "6");
      CliProcess.Result again = exec(List.of(), Duration.ofMinutes(3), "save", cluster, file.toString());
      assertExit(again, 0);
      CliAssertions.assertArchiveHoldsState(file, smaller);
    }
  }

  @Test
  void archiveFarLargerThanTheHeapSavesAndRestoresWithSmallHeaps(@TempDir Path dir) throws IOException {
    List<String> smallHeap = List.of("-Xmx64m");
    try (ClusterProcess cluster = ClusterProcess.start(dir.resolve("cluster"), 3,
        ClusterProcess.Launch.DEFAULT.blob().jvm("-Xmx256m"))) {
      String saved = blob(cluster, "generate", "--size", "512MiB", "--seed", "1");
      assertThat(saved).startsWith((512L << 20) + " ");
      Path file = dir.resolve("big.snap");

      CliProcess.Result save = exec(smallHeap, Duration.ofMinutes(5), "save", cluster, file.toString());

      assertExit(save, 0);
      Matcher m = SAVED.matcher(save.stdout());
      assertThat(m.find()).as(save::describe).isTrue();
      assertThat(m.group(1) + " " + m.group(2)).as("the archive holds the state").isEqualTo(saved);
      assertThat(Files.size(file)).as("the archive alone is larger than the saving JVM's heap").isGreaterThan(64L << 20)
          .isEqualTo(Long.parseLong(m.group(3)));
      assertThat(save.stderr()).as(save::describe).doesNotContain("OutOfMemoryError");

      String changed = blob(cluster, "generate", "--size", "512MiB", "--seed", "2");
      assertThat(changed).isNotEqualTo(saved);

      CliProcess.Result restore = exec(smallHeap, Duration.ofMinutes(5), "restore", cluster, file.toString());

      assertExit(restore, 0);
      assertThat(restore.stderr()).as(restore::describe).doesNotContain("OutOfMemoryError");
      assertThat(cluster.awaitSameFingerprintOnEveryNode(Duration.ofMinutes(3))).isEqualTo(saved);
    }
  }

  /**
   * Starts three blob nodes, each in its own process; those in {@code small} have their storage on their own
   * {@link #NODE_DISK} tmpfs, the others on the ordinary disk.
   */
  private static ClusterProcess startOnSmallDisks(Path dir, Set<String> small) {
    int[] ports = FreePorts.any(3);
    Map<String, String> peers = new LinkedHashMap<>();
    Map<String, Path> storage = new LinkedHashMap<>();
    for (int i = 0; i < 3; i++) {
      String id = "n" + (i + 1);
      peers.put(id, "127.0.0.1:" + ports[i]);
      storage.put(id, mkdirs(dir.resolve(id)));
    }
    ClusterProcess.Launch onSmallDisks = ClusterProcess.Launch.DEFAULT.blob()
        .wrapped((id, command) -> small.contains(id) ? PrivateMount.onTmpfs(storage.get(id), NODE_DISK, command)
            : command);
    return ClusterProcess.startNodes(peers, UUID.randomUUID(), storage, dir.resolve("logs"), onSmallDisks);
  }

  /** Runs {@code blob <args>} against the cluster with a 3-minute bound (512 MiB take a while). */
  private static String blob(ClusterProcess cluster, String... args) {
    List<String> all = new ArrayList<>(List.of("blob"));
    all.addAll(List.of(args));
    all.addAll(cluster.groupArguments());
    CliProcess.Result r = CliProcess.run(Duration.ofMinutes(3), all.toArray(String[]::new));
    assertExit(r, 0);
    return r.stdout().strip();
  }

  /** Runs {@code <command> --peers ... --group ... <file>} with JVM options. */
  private static CliProcess.Result exec(List<String> jvm, Duration timeout, String command, ClusterProcess cluster,
      String file) {
    List<String> args = new ArrayList<>(List.of(command));
    args.addAll(cluster.groupArguments());
    args.add(file);
    return CliProcess.exec(CliProcess.jarCommand(jvm, args.toArray(String[]::new)), Map.of(), timeout);
  }

  private static Path mkdirs(Path d) {
    try {
      return Files.createDirectories(d);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
