package io.github.ratissnapshot.examples;

import static io.github.ratissnapshot.examples.CliAssertions.assertArchiveHoldsState;
import static io.github.ratissnapshot.examples.CliAssertions.assertExit;
import static io.github.ratissnapshot.examples.CliAssertions.namesIn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash safety of the two commands that write files, each killed with SIGKILL (no shutdown hook runs) at
 * random points while it writes, ten times in a row on the same target, then run once to the end:
 * <ul>
 *   <li>{@code save}: nothing is ever under FILE unless it is a complete archive that {@code verify} accepts
 *       and that holds the cluster's state; what a kill leaves is at most {@code FILE.part}, and the next
 *       save of the same FILE replaces it;</li>
 *   <li>{@code seed}: the group's directory is either absent or complete (its {@code sm/snapshot.T_I} has the
 *       archive's Size and the MD5 its {@code .md5} records, {@code current/raft-meta} exists, and a server
 *       started on it comes up with the archive's state); a kill leaves at most {@code .seed-<group>-*}
 *       directories, and the next seed of the group removes them.</li>
 * </ul>
 * The state is 48 MiB (a 10 MB archive), so that kills land in the middle of the writing; the kill delays
 * are random, measured from the moment the temporary file or directory appears, up to 1.15 times what an
 * uninterrupted run takes from there (so that most land mid-write and a few after the command finished). The random seed is in every failure message
 * ({@code -Dcrash.safety.seed=N} replays it).
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CrashSafetyIT {
  private static final String STATE_SIZE = "48MiB";
  private static final int KILLS = 10;
  /** Kills land up to this multiple of an uninterrupted run's time, so that a few find the command done. */
  private static final double LATEST = 1.15;
  private static final long SEED = Long.getLong("crash.safety.seed", System.nanoTime());

  @TempDir
  static Path shared;

  private static ClusterProcess cluster;
  private static String state;

  @BeforeAll
  static void startClusterWithState() {
    cluster = ClusterProcess.start(shared.resolve("cluster"), 3, ClusterProcess.Launch.DEFAULT.blob());
    state = cluster.blobOk("generate", "--size", STATE_SIZE, "--seed", "11");
    assertThat(state).startsWith((48L << 20) + " ");
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void saveKilledAtRandomPointsNeverLeavesAnIncompleteFileUnderTheFinalName(@TempDir Path dir) {
    Path file = dir.resolve("cluster.snap");
    Path part = dir.resolve("cluster.snap.part");
    Path logs = dir.resolve("logs");
    Duration whole = timeFromAppearance(() -> startSave(file, logs, "clean"), () -> Files.exists(part));
    assertArchiveHoldsState(file, state);
    delete(file);
    Random random = new Random(SEED);
    int leftovers = 0;
    int complete = 0;
    int interrupted = 0;
    List<String> seen = new ArrayList<>();
    for (int i = 0; i < KILLS; i++) {
      long delay = (long) (random.nextDouble() * LATEST * whole.toMillis());
      Process save = startSave(file, logs, "kill-" + i);
      String outcome = killAfter(save, () -> Files.exists(part), delay);
      List<String> names = namesIn(dir).stream().filter(n -> !n.equals("logs")).toList();
      String context = String.format("kill %d after %d ms (seed %d, uninterrupted %d ms): %s; left %s", i, delay,
          SEED, whole.toMillis(), outcome, names);
      assertThat(names).as(context).isSubsetOf("cluster.snap", "cluster.snap.part");
      if (names.contains("cluster.snap")) {
        assertArchiveHoldsState(file, state);
        complete++;
        delete(file);
      }
      if (names.contains("cluster.snap.part")) {
        leftovers++;
      }
      seen.add(context);
    }
    assertThat(leftovers).as("some kill landed mid-write and left FILE.part: %s", seen).isPositive();

    CliProcess.Result again = CliProcess.exec(saveCommand(file), Map.of(), CliProcess.DEFAULT_TIMEOUT);

    assertExit(again, 0);
    assertThat(namesIn(dir)).as("the next save replaced the leftover FILE.part; kills: %s", seen)
        .containsExactlyInAnyOrder("cluster.snap", "logs");
    assertArchiveHoldsState(file, state);
    seen.forEach(System.out::println);
    System.out.printf("save: %d kills, %d left FILE.part, %d found a complete FILE (seed %d)%n", KILLS, leftovers,
        complete, SEED);
  }

  @Test
  void seedKilledAtRandomPointsLeavesNoGroupDirectoryOrACompleteOne(@TempDir Path dir) throws Exception {
    Path archive = dir.resolve("seed-source.snap");
    assertExit(CliProcess.exec(saveCommand(archive), Map.of(), CliProcess.DEFAULT_TIMEOUT), 0);
    JsonNode meta = new ObjectMapper().readTree(CliProcess.run("inspect", "--format", "json", archive.toString())
        .stdout());
    String snapshotName = "snapshot." + meta.get("Term").asLong() + "_" + meta.get("Index").asLong();
    long size = meta.get("Size").asLong();
    UUID group = UUID.randomUUID();
    String peers = "n1=127.0.0.1:" + FreePorts.any(1)[0];
    Path logs = dir.resolve("logs");

    Path probeStorage = dir.resolve("probe");
    Duration whole = timeFromAppearance(() -> startSeed(probeStorage, group, peers, archive, logs, "clean"),
        () -> !leftovers(probeStorage, group).isEmpty());
    assertComplete(probeStorage.resolve(group.toString()), snapshotName, size);

    Path storage = dir.resolve("storage");
    Path groupDir = storage.resolve(group.toString());
    Random random = new Random(SEED + 1);
    int complete = 0;
    int interrupted = 0;
    List<String> seen = new ArrayList<>();
    for (int i = 0; i < KILLS; i++) {
      long delay = (long) (random.nextDouble() * LATEST * whole.toMillis());
      Set<String> before = Set.copyOf(leftovers(storage, group));
      Process seed = startSeed(storage, group, peers, archive, logs, "kill-" + i);
      String outcome = killAfter(seed, () -> leftovers(storage, group).stream().anyMatch(n -> !before.contains(n)),
          delay);
      List<String> names = namesIn(storage);
      String context = String.format("kill %d after %d ms (seed %d, uninterrupted %d ms): %s; left %s", i, delay,
          SEED, whole.toMillis(), outcome, names);
      assertThat(names).as(context).allMatch(n -> n.equals(group.toString()) || n.startsWith(".seed-" + group + "-"));
      if (leftovers(storage, group).stream().anyMatch(n -> !before.contains(n))) {
        interrupted++;
      }
      if (Files.exists(groupDir)) {
        assertThat(namesIn(groupDir)).as("the group directory is never empty or partial: " + context).isNotEmpty();
        assertComplete(groupDir, snapshotName, size);
        if (complete == 0) {
          assertServerStartsWithTheState(storage, group, peers, logs);
        }
        complete++;
        deleteTree(groupDir);
      }
      seen.add(context);
    }
    assertThat(interrupted).as("some kill landed mid-seed and left a .seed-* directory: %s", seen).isPositive();
    if (leftovers(storage, group).isEmpty()) {
      // each seed removes the leftovers of the ones before, so the last kill may have left nothing: leave one
      Set<String> before = Set.copyOf(leftovers(storage, group));
      Process seed = startSeed(storage, group, peers, archive, logs, "kill-last");
      seen.add("last kill: " + killAfter(seed, () -> leftovers(storage, group).stream()
          .anyMatch(n -> !before.contains(n)), whole.toMillis() / 10));
      if (Files.exists(groupDir)) {
        assertComplete(groupDir, snapshotName, size);
        deleteTree(groupDir);
      }
    }
    List<String> left = leftovers(storage, group);
    assertThat(left).as("a kill a tenth of the way into a seed leaves a .seed-* directory: %s", seen).isNotEmpty();

    CliProcess.Result again = CliProcess.run("seed", "--storage-dir", storage.toString(), "--peer", "n1", "--peers",
        peers, "--group", group.toString(), archive.toString());

    assertExit(again, 0);
    assertThat(namesIn(storage)).as("the next seed removed the leftovers %s; kills: %s", left, seen)
        .containsExactly(group.toString());
    assertComplete(groupDir, snapshotName, size);
    assertServerStartsWithTheState(storage, group, peers, logs);
    seen.forEach(System.out::println);
    System.out.printf("seed: %d kills, %d found a complete group directory, %d leftovers removed (seed %d)%n",
        KILLS, complete, left.size(), SEED);
  }

  // ---- save

  private static Process startSave(Path file, Path logs, String name) {
    mkdirs(logs);
    return CliProcess.start(saveCommand(file), Map.of(), logs.resolve("save-" + name + ".out"),
        logs.resolve("save-" + name + ".err"));
  }

  private static List<String> saveCommand(Path file) {
    List<String> args = new ArrayList<>(List.of("save"));
    args.addAll(cluster.groupArguments());
    args.add(file.toString());
    return CliProcess.jarCommand(args.toArray(String[]::new));
  }

  // ---- seed

  private static Process startSeed(Path storage, UUID group, String peers, Path archive, Path logs, String name) {
    mkdirs(logs);
    return CliProcess.start(CliProcess.jarCommand("seed", "--storage-dir", storage.toString(), "--peer", "n1",
        "--peers", peers, "--group", group.toString(), archive.toString()), Map.of(),
        logs.resolve("seed-" + name + ".out"), logs.resolve("seed-" + name + ".err"));
  }

  private static List<String> leftovers(Path storage, UUID group) {
    return namesIn(storage).stream().filter(n -> n.startsWith(".seed-" + group + "-")).toList();
  }

  /** Asserts a seeded group directory is complete: metadata, snapshot of the right size, matching MD5. */
  private static void assertComplete(Path groupDir, String snapshotName, long size) throws Exception {
    Path snapshot = groupDir.resolve("sm").resolve(snapshotName);
    Path md5File = groupDir.resolve("sm").resolve(snapshotName + ".md5");
    assertThat(groupDir.resolve("current").resolve("raft-meta")).isRegularFile();
    assertThat(snapshot).isRegularFile().hasSize(size);
    assertThat(md5File).isRegularFile();
    String recorded = Files.readString(md5File, StandardCharsets.UTF_8).strip();
    assertThat(recorded).isEqualTo(md5(snapshot) + " *" + snapshotName);
  }

  /** Starts a one-node server on the seeded storage and checks that it serves the archive's state. */
  private static void assertServerStartsWithTheState(Path storage, UUID group, String peers, Path logs) {
    String address = peers.substring(peers.indexOf('=') + 1);
    try (ClusterProcess node = ClusterProcess.startNodes(Map.of("n1", address), group, Map.of("n1", storage),
        logs, ClusterProcess.Launch.DEFAULT.blob())) {
      assertThat(node.fingerprintOf("n1")).as("the server on the seeded directory has the whole state")
          .isEqualTo(state);
    }
  }

  // ---- killing

  /**
   * Runs a command uninterrupted and returns how long it took from the moment {@code appeared} first held
   * until it exited; it must succeed.
   */
  private static Duration timeFromAppearance(Supplier<Process> start, BooleanSupplier appeared) {
    Process p = start.get();
    try {
      long deadline = System.nanoTime() + CliProcess.DEFAULT_TIMEOUT.toNanos();
      while (!appeared.getAsBoolean()) {
        if (!p.isAlive() || System.nanoTime() > deadline) {
          fail("the uninterrupted run %s before its temporary file appeared", p.isAlive() ? "took too long" : "ended");
        }
        BackgroundProcess.sleep(1);
      }
      long from = System.nanoTime();
      assertThat(p.waitFor(CliProcess.DEFAULT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
      assertThat(p.exitValue()).as("the uninterrupted run").isZero();
      return Duration.ofNanos(System.nanoTime() - from);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } finally {
      CliProcess.destroyTree(p, true);
    }
  }

  /**
   * Waits until {@code started} holds, then {@code delayMillis} more, then kills the process with SIGKILL
   * and waits until it is gone; returns what happened, for messages.
   */
  private static String killAfter(Process p, BooleanSupplier started, long delayMillis) {
    try {
      long deadline = System.nanoTime() + CliProcess.DEFAULT_TIMEOUT.toNanos();
      while (!started.getAsBoolean() && p.isAlive()) {
        if (System.nanoTime() > deadline) {
          fail("the command did not start writing within %s", CliProcess.DEFAULT_TIMEOUT);
        }
        BackgroundProcess.sleep(2);
      }
      if (p.isAlive()) {
        BackgroundProcess.sleep(delayMillis); // the random point of the kill
      }
      boolean wasAlive = p.isAlive();
      p.destroyForcibly();
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("killed process exits").isTrue();
      return wasAlive ? "killed (exit " + p.exitValue() + ")" : "had already exited " + p.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } finally {
      CliProcess.destroyTree(p, true);
    }
  }

  // ---- files

  private static String md5(Path file) throws Exception {
    MessageDigest md = MessageDigest.getInstance("MD5");
    try (var in = Files.newInputStream(file)) {
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }

  private static void delete(Path file) {
    try {
      Files.delete(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void deleteTree(Path root) throws IOException {
    try (var walk = Files.walk(root)) {
      for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(p);
      }
    }
  }

  private static void mkdirs(Path d) {
    try {
      Files.createDirectories(d);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
