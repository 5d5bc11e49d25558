package io.github.ratissnapshot.examples;

import static io.github.ratissnapshot.examples.CliAssertions.assertArchiveHoldsState;
import static io.github.ratissnapshot.examples.CliAssertions.assertExit;
import static io.github.ratissnapshot.examples.CliAssertions.assertOneLineError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault drills on a real 3-node cluster of separate processes ({@code cluster node --state-machine blob}, one
 * JVM per node, so that {@code kill -9} is real): the leader, or in other runs a follower, is killed with
 * SIGKILL at chosen points of an online restore ({@code restore}) or of a remote save ({@code save}), each
 * run as the real CLI process; the killed node is restarted after a short downtime, the group converges,
 * and then:
 * <ul>
 *   <li>every replica holds the same state, and it is either the complete old state or the complete
 *       archive's state ({@code blob fingerprint --server nX} on each node); a restore the command reported
 *       as successful is the new state; a failed one is reported in one line, exit 1, and leaves no restore
 *       open;</li>
 *   <li>a save produced either FILE, which {@code verify} accepts and whose {@code state.bin} is the state
 *       saved (size and SHA-256 equal the fingerprint), or no FILE, with at most a {@code FILE.part} that the
 *       next save of the same FILE replaces (it is run, and must succeed); a save whose leader was killed
 *       and restarted while it snapshotted or pulled (before its verification) produced FILE: it started over
 *       from the next leader's snapshot, which the report's notes show.</li>
 * </ul>
 * Each run is recorded in a Markdown report: {@code target/fault-drill-report.md} for the quick drill that
 * runs in every build, {@code target/fault-drill-soak-report.md} for the soak variant
 * ({@code mvn -B verify -Psoak -pl ratis-snapshot-examples -Dit.test=FaultDrillIT}).
 *
 * <p>Kill points are found by watching the nodes' files: a restore's staging directory
 * ({@code <dir>/<group>/archive/staging}: the staged archive {@code <id>.snap.bin.partial}, then the extracted
 * state {@code state-*.bin.partial}), the leader's snapshot and pin files, and the save's {@code FILE.part}.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class FaultDrillIT {
  private static final Duration CONVERGE = Duration.ofMinutes(3);
  private static final Duration POINT_TIMEOUT = Duration.ofMinutes(3);

  @Test
  void killingTheLeaderOrAFollowerDuringRestoreOrSaveLosesNothing(@TempDir Path dir) {
    new Drill(Plan.ci(), dir).run(Path.of("target", "fault-drill-report.md"));
  }

  @Test
  @Tag("soak")
  @Timeout(value = 2, unit = TimeUnit.HOURS)
  void soak(@TempDir Path dir) {
    long seed = Long.getLong("fault.drill.seed", System.currentTimeMillis());
    new Drill(Plan.soak(seed), dir).run(Path.of("target", "fault-drill-soak-report.md"));
  }

  /** The two operations under test. */
  enum Operation {
    RESTORE, SAVE
  }

  /** Which node is killed, decided when the run starts. */
  enum Victim {
    LEADER, FOLLOWER
  }

  /** Where in the operation the victim is killed. */
  enum Point {
    FIRST_CHUNK_STAGED(Operation.RESTORE, "the victim has staged its first chunk of the archive"),
    HALF_STAGED(Operation.RESTORE, "the victim has staged half the archive"),
    EXTRACTING(Operation.RESTORE, "the victim is verifying and extracting the staged archive"),
    READY(Operation.RESTORE, "the victim has verified and extracted the archive; COMMIT not applied yet"),
    COMMITTED(Operation.RESTORE, "the restore command has just reported success"),
    SNAPSHOT(Operation.SAVE, "the leader writes or pins the snapshot the save reads"),
    PULLING(Operation.SAVE, "the first MiB of the archive is in FILE.part"),
    HALF_WRITTEN(Operation.SAVE, "half the archive is in FILE.part"),
    VERIFYING(Operation.SAVE, "all of the archive is in FILE.part; the save verifies it");

    final Operation operation;
    final String description;

    Point(Operation operation, String description) {
      this.operation = operation;
      this.description = description;
    }
  }

  /**
   * One run: kill the {@code victim} at {@code point}, and restart it after {@code downtime}, or, if that is
   * null, only after the command has finished.
   */
  record Step(Point point, Victim victim, Duration downtime) {}

  /**
   * What to run. With {@code everyPointRequired}, a run whose command finishes before its kill point fails
   * the drill (the quick drill must test what it says); otherwise it is recorded as such.
   */
  record Plan(String name, String stateSize, long seed, List<Step> steps, String command, boolean everyPointRequired) {
    static Plan ci() {
      Duration down = Duration.ofSeconds(1);
      return new Plan("ci", "64MiB", 0, List.of(
          new Step(Point.HALF_STAGED, Victim.LEADER, down),
          new Step(Point.EXTRACTING, Victim.FOLLOWER, down),
          new Step(Point.READY, Victim.LEADER, down),
          new Step(Point.COMMITTED, Victim.FOLLOWER, down),
          new Step(Point.HALF_WRITTEN, Victim.LEADER, down),
          new Step(Point.PULLING, Victim.FOLLOWER, down),
          new Step(Point.SNAPSHOT, Victim.LEADER, down)),
          "mvn -B verify -pl ratis-snapshot-examples -Dit.test=FaultDrillIT", true);
    }

    /** Every point with both victims, three rounds, random downtimes up to 3 s; one follower down to the end. */
    static Plan soak(long seed) {
      Random random = new Random(seed);
      List<Step> steps = new ArrayList<>();
      for (int round = 0; round < 3; round++) {
        for (Point p : Point.values()) {
          for (Victim v : Victim.values()) {
            steps.add(new Step(p, v, Duration.ofMillis(random.nextInt(3001))));
          }
        }
      }
      steps.add(new Step(Point.HALF_STAGED, Victim.FOLLOWER, null));
      return new Plan("soak", "128MiB", seed, steps,
          "mvn -B verify -Psoak -pl ratis-snapshot-examples -Dit.test=FaultDrillIT -Dfault.drill.seed=" + seed, false);
    }
  }

  /** An archive saved cleanly during setup, and the state it holds ({@code "<size> <sha256>"}). */
  record Archive(String label, Path file, String state, long bytes) {}

  /** A finished run, for the report. */
  record Run(int number, Step step, String victimId, String atKill, int exitCode, String message, String outcome,
      String stateAfter, String notes, Duration elapsed) {}

  /** The drill: a cluster, two archives of two states, and the runs of a plan against them. */
  private static final class Drill {
    /**
     * What the restarted {@code victim} said of a torn last log entry it dropped (the kill stopped a write
     * inside it; see {@code TornLogTail}), for the report; empty if it dropped none.
     */
    private String tornTail(String victim) {
      return cluster.stdoutOf(victim).lines().filter(l -> l.contains("dropped the torn last entry"))
          .map(l -> "restarted after it " + l.substring(l.indexOf("dropped"))).findFirst().orElse("");
    }

    private final Plan plan;
    private final Path dir;
    private final UUID group = UUID.randomUUID();
    private final Map<String, Path> storage = new LinkedHashMap<>();
    private final List<Run> runs = new ArrayList<>();
    private final Map<String, String> labels = new LinkedHashMap<>();
    private ClusterProcess cluster;
    private Archive a;
    private Archive b;
    private String current;
    private long started;
    private String failure;

    Drill(Plan plan, Path dir) {
      this.plan = plan;
      this.dir = dir;
    }

    void run(Path report) {
      started = System.nanoTime();
      try {
        setUp();
        for (int i = 0; i < plan.steps().size(); i++) {
          Step step = plan.steps().get(i);
          runs.add(step.point().operation == Operation.RESTORE ? restoreRun(i + 1, step) : saveRun(i + 1, step));
          FaultDrillReport.write(report, plan, runs, labels, elapsed(), null);
        }
      } catch (RuntimeException | AssertionError e) {
        failure = e.toString();
        throw e;
      } finally {
        try {
          if (cluster != null) {
            cluster.close();
          }
        } finally {
          FaultDrillReport.write(report, plan, runs, labels, elapsed(), failure);
        }
      }
    }

    private Duration elapsed() {
      return Duration.ofNanos(System.nanoTime() - started);
    }

    private void setUp() {
      int[] ports = FreePorts.any(3);
      Map<String, String> peers = new LinkedHashMap<>();
      for (int i = 0; i < 3; i++) {
        String id = "n" + (i + 1);
        peers.put(id, "127.0.0.1:" + ports[i]);
        storage.put(id, dir.resolve(id));
      }
      cluster = ClusterProcess.startNodes(peers, group, storage, dir.resolve("logs"),
          ClusterProcess.Launch.DEFAULT.blob());
      a = saveState("A", 1);
      b = saveState("B", 2);
      current = b.state();
      assertThat(a.state()).isNotEqualTo(b.state());
    }

    /** Generates a state, saves it without faults, and checks the archive. */
    private Archive saveState(String label, long seed) {
      String state = cluster.blobOk("generate", "--size", plan.stateSize(), "--seed", String.valueOf(seed));
      labels.put(state, label);
      Path file = dir.resolve(label.toLowerCase(Locale.ROOT) + ".snap");
      CliProcess.Result r = CliProcess.run(Duration.ofMinutes(3), saveArgs(file));
      assertExit(r, 0);
      assertArchiveHoldsState(file, state);
      return new Archive(label, file, state, size(file));
    }

    // ---- restore

    private Run restoreRun(int number, Step step) {
      long start = System.nanoTime();
      String before = current;
      Archive target = before.equals(a.state()) ? b : a;
      String victim = victimId(step.victim());
      Path staging = storage.get(victim).resolve(group.toString()).resolve("archive").resolve("staging");
      Path logs = dir.resolve("logs");
      List<String> command = CliProcess.jarCommand(restoreArgs(target.file()));
      Process restore = CliProcess.start(command, Map.of(),
          logs.resolve("restore-" + number + ".out"), logs.resolve("restore-" + number + ".err"));
      String atKill;
      CliProcess.Result r;
      try {
        atKill = awaitPoint(step.point(), restore, () -> restorePoint(step.point(), staging, target.bytes(), restore));
        if (atKill != null) {
          cluster.kill(victim);
          if (step.downtime() == null) {
            waitFor(restore, Duration.ofMinutes(8), "restore " + number);
          } else {
            BackgroundProcess.sleep(step.downtime().toMillis()); // the fault: the node stays down this long
          }
          cluster.restart(victim);
        }
        r = finished(restore, command, Duration.ofMinutes(8), "restore", logs, number);
      } finally {
        CliProcess.destroyTree(restore, true);
      }

      CliProcess.Result abort = CliProcess.run("restore", "--abort", "--peers", cluster.peersArgument(), "--group",
          group.toString());
      assertExit(abort, 0);
      boolean leftOpen = abort.stdout().startsWith("Aborted restore");
      String after = cluster.awaitSameFingerprintOnEveryNode(CONVERGE);

      String context = describeRun(number, step, victim, atKill, r);
      assertThat(after).as("every replica holds the complete old or new state: %s", context)
          .isIn(before, target.state());
      String message = "";
      if (r.exitCode() == 0) {
        assertThat(after).as("the restore reported success, so it is the archive's state: %s", context)
            .isEqualTo(target.state());
        assertThat(r.stdout()).as(context).startsWith("Restored " + target.file());
      } else {
        message = assertOneLineError(r, "restore", 1);
      }
      assertThat(leftOpen).as("no restore is left open once the command has exited: %s; abort said %s", context,
          abort.stdout().strip()).isFalse();
      current = after;
      String outcome = after.equals(target.state()) ? "restore committed" : "restore failed cleanly";
      String notes = atKill == null ? "kill point not reached; no kill" : tornTail(victim);
      return new Run(number, step, victim, atKill, r.exitCode(), message, outcome, label(after), notes,
          Duration.ofNanos(System.nanoTime() - start));
    }

    /** Returns what the victim's staging directory shows, if the restore has reached {@code point}, else null. */
    private static String restorePoint(Point point, Path staging, long archiveBytes, Process restore) {
      if (point == Point.COMMITTED) {
        return !restore.isAlive() && restore.exitValue() == 0 ? "restore exited 0" : null;
      }
      long staged = -1;
      long extracted = -1;
      for (Path f : list(staging)) {
        String name = f.getFileName().toString();
        if (name.endsWith(".snap.bin.partial")) {
          staged = sizeOrMinusOne(f);
        } else if (name.startsWith("state-") && name.endsWith(".bin.partial")) { // ArchiveReader.extract's name
          extracted = sizeOrMinusOne(f);
        }
      }
      boolean reached = switch (point) {
        case FIRST_CHUNK_STAGED -> staged > 0;
        case HALF_STAGED -> staged >= archiveBytes / 2;
        case EXTRACTING -> staged >= 0 && extracted > 0;
        case READY -> staged < 0 && extracted >= 0;
        default -> throw new IllegalArgumentException(point.toString());
      };
      if (!reached) {
        return null;
      }
      return extracted < 0 ? String.format("staged %s of %s", mb(staged), mb(archiveBytes))
          : String.format("%sextracted %s", staged >= 0 ? "staged " + mb(staged) + ", " : "", mb(extracted));
    }

    // ---- save

    private Run saveRun(int number, Step step) {
      long start = System.nanoTime();
      String state = current;
      long expectedBytes = (state.equals(a.state()) ? a : b).bytes();
      String leader = cluster.leader(CONVERGE);
      String victim = step.victim() == Victim.LEADER ? leader : follower(leader);
      Path leaderGroupDir = storage.get(leader).resolve(group.toString());
      Path saves = dir.resolve("saves");
      mkdirs(saves);
      Path file = saves.resolve("save-" + number + ".snap");
      Path part = saves.resolve("save-" + number + ".snap.part");
      Path logs = dir.resolve("logs");
      List<String> command = CliProcess.jarCommand(saveArgs(file));
      Process save = CliProcess.start(command, Map.of(),
          logs.resolve("save-" + number + ".out"), logs.resolve("save-" + number + ".err"));
      String atKill;
      CliProcess.Result r;
      try {
        atKill = awaitPoint(step.point(), save, () -> savePoint(step.point(), leaderGroupDir, part, expectedBytes));
        if (atKill != null) {
          cluster.kill(victim);
          if (step.downtime() == null) {
            waitFor(save, Duration.ofMinutes(5), "save " + number);
          } else {
            BackgroundProcess.sleep(step.downtime().toMillis()); // the fault: the node stays down this long
          }
          cluster.restart(victim);
        }
        r = finished(save, command, Duration.ofMinutes(5), "save", logs, number);
      } finally {
        CliProcess.destroyTree(save, true);
      }

      String context = describeRun(number, step, victim, atKill, r);
      String outcome;
      String message = "";
      String notes = atKill == null ? "kill point not reached; no kill" : tornTail(victim);
      List<String> startedOver = r.stderr().lines().filter(l -> l.contains("; starting over from a fresh snapshot"))
          .toList();
      if (!startedOver.isEmpty()) {
        notes = (notes.isEmpty() ? "" : notes + "; ") + "started over " + startedOver.size() + " time(s), first: "
            + startedOver.get(0);
      }
      if (atKill != null && step.victim() == Victim.LEADER && step.downtime() != null
          && step.point() != Point.VERIFYING) {
        // The leader held the snapshot being pulled; a save that loses it starts over from the next leader's.
        assertThat(file).as("a save whose leader was killed mid-pull starts over and succeeds: %s", context)
            .exists();
      }
      if (Files.exists(file)) {
        assertExit(r, 0);
        assertThat(part).as("a successful save leaves no FILE.part: %s", context).doesNotExist();
        assertArchiveHoldsState(file, state);
        outcome = "save ok";
      } else {
        message = assertOneLineError(r, "save", 1);
        boolean leftover = Files.exists(part);
        CliProcess.Result again = CliProcess.run(Duration.ofMinutes(3), saveArgs(file));
        assertExit(again, 0);
        assertThat(part).as("the next save of the same FILE leaves no FILE.part: %s", context).doesNotExist();
        assertArchiveHoldsState(file, state);
        outcome = "no file";
        notes = (notes.isEmpty() ? "" : notes + "; ") + (leftover ? "FILE.part left, " : "no FILE.part left, ")
            + "the next save succeeded";
      }
      String after = cluster.awaitSameFingerprintOnEveryNode(CONVERGE);
      assertThat(after).as("a save changes no replica: %s", context).isEqualTo(state);
      return new Run(number, step, victim, atKill, r.exitCode(), message, outcome, label(after), notes,
          Duration.ofNanos(System.nanoTime() - start));
    }

    /** Returns what the files show, if the save has reached {@code point}, else null. */
    private static String savePoint(Point point, Path leaderGroupDir, Path part, long expectedBytes) {
      long written = sizeOrMinusOne(part);
      switch (point) {
        case SNAPSHOT: {
          boolean writing = list(leaderGroupDir.resolve("sm")).stream()
              .anyMatch(f -> f.getFileName().toString().endsWith(".tmp"));
          boolean pinned = !list(leaderGroupDir.resolve("archive").resolve("pins")).isEmpty();
          if (writing || pinned) {
            return (writing ? "snapshot being written" : "snapshot pinned") + ", FILE.part "
                + (written < 0 ? "absent" : mb(written));
          }
          return null;
        }
        case PULLING:
          return written > 0 ? "FILE.part " + mb(written) : null;
        case HALF_WRITTEN:
          return written >= expectedBytes / 2 ? "FILE.part " + mb(written) + " of ~" + mb(expectedBytes) : null;
        case VERIFYING:
          return written >= expectedBytes - 4096 ? "FILE.part " + mb(written) + " of ~" + mb(expectedBytes) : null;
        default:
          throw new IllegalArgumentException(point.toString());
      }
    }

    // ---- shared

    /**
     * Polls until {@code check} reports the point (returns what it saw), or returns null if the command
     * finishes first (except for the point that is the command's success itself).
     */
    private String awaitPoint(Point point, Process command, Supplier<String> check) {
      long deadline = System.nanoTime() + POINT_TIMEOUT.toNanos();
      while (System.nanoTime() < deadline) {
        String seen = check.get();
        if (seen != null) {
          return seen;
        }
        if (!command.isAlive() && (point != Point.COMMITTED || command.exitValue() != 0)) {
          seen = check.get();
          if (seen == null && plan.everyPointRequired()) {
            fail("the %s exited %d before %s was reached (%s)%n%s", point.operation, command.exitValue(), point,
                point.description, cluster.describe());
          }
          return seen;
        }
        BackgroundProcess.sleep(5);
      }
      fail("the %s did not reach %s within %s%n%s", point.operation, point, POINT_TIMEOUT, cluster.describe());
      return null;
    }

    private static void waitFor(Process p, Duration timeout, String what) {
      try {
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
          fail("%s did not finish within %s", what, timeout);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }

    /** Waits for a command started with its output in {@code <logs>/<name>-<number>.out|.err}; returns what it did. */
    private static CliProcess.Result finished(Process p, List<String> command, Duration timeout, String name,
        Path logs, int number) {
      long start = p.info().startInstant().map(i -> System.nanoTime()
          - Duration.between(i, Instant.now()).toNanos()).orElse(System.nanoTime());
      waitFor(p, timeout, name + " " + number);
      return new CliProcess.Result(command, p.exitValue(),
          CliProcess.readSoFar(logs.resolve(name + "-" + number + ".out")),
          CliProcess.readSoFar(logs.resolve(name + "-" + number + ".err")),
          Duration.ofNanos(System.nanoTime() - start));
    }

    private String victimId(Victim role) {
      String leader = cluster.leader(CONVERGE);
      return role == Victim.LEADER ? leader : follower(leader);
    }

    private String follower(String leader) {
      return cluster.ids().stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
    }

    private String[] saveArgs(Path file) {
      return new String[] {"save", "--peers", cluster.peersArgument(), "--group", group.toString(), file.toString()};
    }

    private String[] restoreArgs(Path file) {
      return new String[] {"restore", "--peers", cluster.peersArgument(), "--group", group.toString(),
          file.toString()};
    }

    private String label(String state) {
      return labels.getOrDefault(state, state);
    }

    private String describeRun(int number, Step step, String victim, String atKill, CliProcess.Result r) {
      return String.format("run %d: %s killed at %s (%s)%n%s%n%s", number, victim, step.point(), atKill,
          r.describe(), cluster.describe());
    }
  }

  static List<Path> list(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.toList();
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (IOException e) {
      return List.of(); // the directory changes under us; the next poll sees it
    }
  }

  static long sizeOrMinusOne(Path f) {
    try {
      return Files.size(f);
    } catch (IOException e) {
      return -1;
    }
  }

  static long size(Path f) {
    try {
      return Files.size(f);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void mkdirs(Path d) {
    try {
      Files.createDirectories(d);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String mb(long bytes) {
    return String.format("%.1f MB", bytes / 1e6);
  }
}
