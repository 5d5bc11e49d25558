package io.github.ratissnapshot.examples;

import static io.github.ratissnapshot.examples.CliAssertions.assertExit;
import static io.github.ratissnapshot.examples.CliAssertions.assertOneLineError;
import static io.github.ratissnapshot.examples.CliAssertions.namesIn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ratis-snapshot save} against a running 3-node cluster ({@code cluster start}, one process shared by
 * the tests of this class; the tests only read its state): the archive it writes verifies and inspects
 * right, and every way a save can fail (existing file, unwritable directory, full disk, killed save)
 * leaves nothing under the final name and no {@code .part} file, except after SIGKILL, which the next save
 * cleans up.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SaveIT {
  /** Enough state (2.4 MB, a 137 KB archive) to overflow a 64 KiB disk and to interrupt a save midway. */
  private static final int KEYS = 20_000;
  private static final Pattern SAVED = Pattern.compile("^Saved (.+): ID (\\S+), Index (\\d+), Term (\\d+), "
      + "Size (\\d+) \\(state sha256 ([0-9a-f]{64})\\); archive (\\d+) bytes, sha256 ([0-9a-f]{64})$");

  @TempDir
  static Path shared;

  private static ClusterProcess cluster;

  @BeforeAll
  static void startClusterWithState() {
    cluster = ClusterProcess.start(shared.resolve("cluster"), 3);
    assertThat(cluster.kvOk("load", "--keys", String.valueOf(KEYS))).startsWith("Loaded " + KEYS + " keys");
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void saveToStandardOutputWritesTheArchiveThereAndItsSummaryToStandardError(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("piped.snap");
    String command = String.join(" ", CliProcess.jarCommand("save", "--peers", cluster.peersArgument(), "-"));

    CliProcess.Result r = CliProcess.exec(List.of("bash", "-c", command + " > " + file), Map.of(),
        CliProcess.DEFAULT_TIMEOUT);

    assertExit(r, 0);
    assertThat(r.stdout()).isEmpty();
    Matcher m = Pattern.compile("Saved to standard output: ID (\\S+), Index (\\d+), Term (\\d+), Size (\\d+) "
        + "\\(state sha256 ([0-9a-f]{64})\\); archive (\\d+) bytes, sha256 ([0-9a-f]{64})").matcher(r.stderr().strip());
    assertThat(m.matches()).as(r::describe).isTrue();
    assertThat(namesIn(dir)).as("no .part for standard output").containsExactly("piped.snap");
    assertThat(Files.size(file)).isEqualTo(Long.parseLong(m.group(6)));
    assertThat(sha256(file)).isEqualTo(m.group(7));
    CliProcess.Result verified = CliProcess.run("verify", file.toString());
    assertExit(verified, 0);
    assertThat(verified.stdout()).contains("(ID " + m.group(1) + ", Index " + m.group(2) + ", Term " + m.group(3)
        + ", Size " + m.group(4) + ", state sha256 " + m.group(5) + ")");
  }

  /** A reader that goes away (head, a failed upload) fails the save at once, in one line, instead of it running on. */
  @Test
  void saveToAPipeWhoseReaderLeavesFailsInOneLine(@TempDir Path dir) {
    String command = String.join(" ", CliProcess.jarCommand("save", "--peers", cluster.peersArgument(), "-"));

    CliProcess.Result r = CliProcess.exec(List.of("bash", "-c", "set -o pipefail; " + command
        + " 2> " + dir.resolve("save.err") + " | head -c 100 > /dev/null"), Map.of(), CliProcess.DEFAULT_TIMEOUT);

    assertThat(r.exitCode()).as(r::describe).isEqualTo(1);
    List<String> err = readString(dir.resolve("save.err")).lines().toList();
    assertThat(err).as(r::describe).hasSize(1);
    assertThat(err.get(0)).startsWith("ratis-snapshot save: ").containsIgnoringCase("pipe");
  }

  @Test
  void saveWritesAnArchiveThatVerifiesAndInspects(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("cluster.snap");
    CliProcess.Result saved = CliProcess.run("save", "--peers", cluster.peersArgument(), file.toString());

    assertExit(saved, 0);
    assertThat(saved.stderr()).as(saved::describe).isEmpty();
    Matcher m = SAVED.matcher(saved.stdout().strip());
    assertThat(m.matches()).as(saved::describe).isTrue();
    String id = m.group(2);
    long index = Long.parseLong(m.group(3));
    long term = Long.parseLong(m.group(4));
    long size = Long.parseLong(m.group(5));
    String stateSha = m.group(6);
    assertThat(namesIn(dir)).as("FILE only, no FILE.part").containsExactly("cluster.snap");
    assertThat(Files.size(file)).isEqualTo(Long.parseLong(m.group(7)));
    assertThat(sha256(file)).isEqualTo(m.group(8));
    assertThat(id).isEqualTo(term + "-" + index + "-" + id.substring(id.lastIndexOf('-') + 1));
    assertThat(term).isPositive();
    assertThat(index).isPositive();
    assertThat(size).isGreaterThan(KEYS * 100L);

    List<CliProcess.Result> read = CliProcess.runConcurrently(List.of(List.of("verify", file.toString()),
        List.of("inspect", file.toString()), List.of("inspect", "--format", "json", file.toString())));
    CliProcess.Result verified = read.get(0);
    assertExit(verified, 0);
    assertThat(verified.stdout()).as(verified::describe).contains(String.format(
        "valid snapshot archive (ID %s, Index %d, Term %d, Size %d, state sha256 %s)",
        id, index, term, size, stateSha));

    CliProcess.Result text = read.get(1);
    assertExit(text, 0);
    List<String> expectedLines = new ArrayList<>(List.of("ID                  " + id,
        "Index               " + index, "Term                " + term, "Version             1", "Servers"));
    for (String node : cluster.ids()) {
      expectedLines.add(String.format("  %-9s %-38s %s", "Voter", node, cluster.address(node)));
    }
    assertThat(text.stdoutLines()).as(text::describe).containsAll(expectedLines)
        .anyMatch(l -> l.startsWith("Size                " + size + " ("))
        .anyMatch(l -> l.matches("  state\\.bin\\s+" + size + "  sha256 " + stateSha));

    CliProcess.Result json = read.get(2);
    assertExit(json, 0);
    JsonNode root = new ObjectMapper().readTree(json.stdout());
    assertThat(root.get("ID").asText()).isEqualTo(id);
    assertThat(root.get("Index").asLong()).isEqualTo(index);
    assertThat(root.get("Term").asLong()).isEqualTo(term);
    assertThat(root.get("Size").asLong()).isEqualTo(size);
    assertThat(root.get("Version").asInt()).isEqualTo(1);
    assertThat(root.get("Peers").isNull()).isTrue();
    JsonNode servers = root.get("Servers");
    assertThat(servers).hasSize(3);
    for (int i = 0; i < 3; i++) {
      String node = cluster.ids().get(i);
      assertThat(servers.get(i).get("Suffrage").asText()).isEqualTo("Voter");
      assertThat(servers.get(i).get("ID").asText()).isEqualTo(node);
      assertThat(servers.get(i).get("Address").asText()).isEqualTo(cluster.address(node));
    }
    JsonNode entries = root.get("Entries");
    assertThat(entries.findValuesAsText("Name")).containsExactly("meta.json", "state.bin", "SHA256SUMS");
    assertThat(entries.get(1).get("Size").asLong()).isEqualTo(size);
    assertThat(entries.get(1).get("SHA256").asText()).isEqualTo(stateSha);
    assertThat(root.get("Valid").asBoolean()).isTrue();

    assertThat(sha256(file)).as("inspect and verify change nothing").isEqualTo(m.group(8));
    assertThat(namesIn(dir)).containsExactly("cluster.snap");
  }

  @Test
  void saveRefusesAnExistingFileUnlessForced(@TempDir Path dir) {
    Path file = dir.resolve("existing.snap");
    writeString(file, "precious, not to be replaced\n");

    CliProcess.Result refused = save(file);

    String message = assertOneLineError(refused, "save", 1);
    assertThat(message).as(refused::describe).contains(file.toString(), "already exists", "use --force");
    assertThat(readString(file)).isEqualTo("precious, not to be replaced\n");
    assertThat(namesIn(dir)).containsExactly("existing.snap");

    CliProcess.Result forced = save(file, "--force");

    assertExit(forced, 0);
    assertThat(namesIn(dir)).as("FILE replaced, no FILE.part").containsExactly("existing.snap");
    assertExit(CliProcess.run("verify", file.toString()), 0);
  }

  @Test
  void saveIntoAnUnwritableDirectoryExitsOneAndWritesNothing(@TempDir Path dir) throws Exception {
    Path locked = Files.createDirectory(dir.resolve("locked"));
    Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("r-x------"));
    try {
      Path file = locked.resolve("out.snap");
      CliProcess.Result r;
      if (permissionsApply(locked)) {
        r = save(file);
        assertThat(assertOneLineError(r, "save", 1)).as(r::describe).contains("permission denied", locked.toString());
      } else {
        // Running as root: mode 0500 does not stop writes; make the directory read-only with a private mount.
        String why = PrivateMount.unavailableReason(dir);
        assumeTrue(why == null, () -> "running as root, so chmod 0500 does not stop writes, and " + why);
        r = PrivateMount.run(PrivateMount.READ_ONLY, locked, saveCommand(file));
        assumeTrue(r.exitCode() != PrivateMount.MOUNT_REFUSED, r::describe);
        assertThat(assertOneLineError(r, "save", 1)).as(r::describe)
            .contains(locked.toString(), "Read-only file system");
      }
      assertThat(namesIn(locked)).as("nothing written").isEmpty();
    } finally {
      Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwx------"));
    }
  }

  /**
   * Two saves race to the same file: exactly one publishes it, the other fails in one line naming why, and the
   * published archive verifies (a writer never publishes bytes another truncated). Three rounds.
   */
  @Test
  void twoConcurrentSavesToTheSameFilePublishExactlyOneArchiveThatVerifies(@TempDir Path dir) throws Exception {
    for (int round = 0; round < 3; round++) {
      Path file = dir.resolve("race-" + round + ".snap");
      List<String> save = List.of("save", "--peers", cluster.peersArgument(), file.toString());
      List<CliProcess.Result> results = CliProcess.runConcurrently(List.of(save, save));

      List<CliProcess.Result> published = results.stream().filter(r -> r.exitCode() == 0).toList();
      assertThat(published).as("round %d: %s", round, results).hasSize(1);
      CliProcess.Result lost = results.stream().filter(r -> r.exitCode() != 0).findFirst().orElseThrow();
      assertThat(assertOneLineError(lost, "save", 1)).as(lost::describe)
          .containsAnyOf(file + " already exists", "another process is writing it");
      Matcher m = SAVED.matcher(published.get(0).stdout().strip());
      assertThat(m.matches()).as(published.get(0)::describe).isTrue();
      assertThat(sha256(file)).as("the published file is the archive its writer reported").isEqualTo(m.group(8));
      assertExit(CliProcess.run("verify", file.toString()), 0);
      assertThat(namesIn(dir)).as("no .part left").noneMatch(n -> n.contains(".part"));
    }
  }

  @Test
  void saveUnderARegularFileInsteadOfADirectoryExitsOneAndWritesNothing(@TempDir Path dir) {
    Path notADirectory = dir.resolve("plain-file");
    writeString(notADirectory, "a file, not a directory\n");

    CliProcess.Result r = save(notADirectory.resolve("out.snap"));

    assertThat(assertOneLineError(r, "save", 1)).as(r::describe).contains(notADirectory.toString(), "Not a directory");
    assertThat(readString(notADirectory)).isEqualTo("a file, not a directory\n");
    assertThat(namesIn(dir)).containsExactly("plain-file");
  }

  @Test
  void saveOnAFullDiskExitsOneAndLeavesNothing(@TempDir Path dir) throws Exception {
    String why = PrivateMount.unavailableReason(dir);
    assumeTrue(why == null, why);
    Path mountPoint = Files.createDirectory(dir.resolve("tiny"));

    CliProcess.Result r = PrivateMount.run(PrivateMount.TINY_TMPFS, mountPoint,
        saveCommand(mountPoint.resolve("out.snap")));

    assumeTrue(r.exitCode() != PrivateMount.MOUNT_REFUSED, r::describe);
    List<String> stdout = r.stdoutLines();
    assertThat(stdout).as(r::describe).isNotEmpty();
    assertThat(stdout.get(stdout.size() - 1).strip()).as("left on the full disk: " + r.describe()).isEqualTo("LEFT:");
    assertThat(assertOneLineError(r, "save", 1)).as(r::describe).containsIgnoringCase("no space left");
  }

  @Test
  void saveStoppedBySigtermLeavesNeitherFileNorPart(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("big.snap");
    Process save = startSaveAndAwaitPart(file, dir);
    try {
      save.destroy(); // SIGTERM: the save's shutdown hook removes FILE.part
      assertThat(save.waitFor(30, TimeUnit.SECONDS)).as("the save stops after SIGTERM").isTrue();
      assertThat(save.exitValue()).isNotZero();
      assertThat(namesIn(dir)).as("neither FILE nor FILE.part").doesNotContain("big.snap", "big.snap.part");
    } finally {
      CliProcess.destroyTree(save, true);
    }
  }

  @Test
  void saveKilledBySigkillLeavesNoFileAndTheNextSaveSucceeds(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("big.snap");
    Process save = startSaveAndAwaitPart(file, dir);
    try {
      save.destroyForcibly(); // SIGKILL: no hook runs, so FILE.part stays
      assertThat(save.waitFor(30, TimeUnit.SECONDS)).as("the save dies after SIGKILL").isTrue();
      assertThat(namesIn(dir)).as("no FILE; the killed save's FILE.part remains")
          .doesNotContain("big.snap").contains("big.snap.part");
    } finally {
      CliProcess.destroyTree(save, true);
    }

    CliProcess.Result again = save(file);

    assertExit(again, 0);
    assertThat(namesIn(dir)).as("FILE, and the leftover FILE.part is gone").contains("big.snap")
        .doesNotContain("big.snap.part");
    assertExit(CliProcess.run("verify", file.toString()), 0);
  }

  /**
   * Starts a save of the cluster into {@code file} and returns once its {@code .part} file holds bytes, while
   * the save still runs.
   */
  private static Process startSaveAndAwaitPart(Path file, Path dir) {
    Path part = file.resolveSibling(file.getFileName() + ".part");
    Path logs = dir.resolve("logs");
    try {
      Files.createDirectories(logs);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Process save = CliProcess.start(saveCommand(file), Map.of(), logs.resolve("save.out"), logs.resolve("save.err"));
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    // Archive bytes in FILE.part mean the save is past creating the file and installing its shutdown hook.
    while (sizeOrZero(part) == 0) {
      if (!save.isAlive() || System.nanoTime() > deadline) {
        CliProcess.destroyTree(save, true);
        fail("the save %s before its .part file had bytes; stderr: %s", save.isAlive() ? "took too long" : "exited",
            CliProcess.readSoFar(logs.resolve("save.err")));
      }
      BackgroundProcess.sleep(5);
    }
    if (!save.isAlive() || Files.exists(file)) {
      fail("the save finished before it could be interrupted (make the cluster's state larger); stdout: %s",
          CliProcess.readSoFar(logs.resolve("save.out")));
    }
    return save;
  }

  /** Runs {@code save --peers ... --group ... FILE [more]}. */
  private static CliProcess.Result save(Path file, String... more) {
    List<String> command = new ArrayList<>(saveCommand(file));
    command.addAll(command.size() - 1, List.of(more));
    return CliProcess.exec(command, Map.of(), CliProcess.DEFAULT_TIMEOUT);
  }

  private static List<String> saveCommand(Path file) {
    return CliProcess.jarCommand("save", "--peers", cluster.peersArgument(), "--group", cluster.group().toString(),
        file.toString());
  }

  /** Whether file permissions stop this process from writing into {@code dir} (they do not for root). */
  private static boolean permissionsApply(Path dir) throws Exception {
    Path probe = dir.resolve("probe");
    try {
      Files.createFile(probe);
    } catch (AccessDeniedException expected) {
      return true;
    }
    Files.delete(probe);
    return false;
  }

  private static String sha256(Path file) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }

  private static void writeString(Path file, String text) {
    try {
      Files.writeString(file, text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String readString(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static long sizeOrZero(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      return 0; // not created yet
    }
  }
}
