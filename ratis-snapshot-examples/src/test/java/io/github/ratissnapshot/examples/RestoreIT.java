package io.github.ratissnapshot.examples;

import static io.github.ratissnapshot.examples.CliAssertions.assertExit;
import static io.github.ratissnapshot.examples.CliAssertions.assertOneLineError;
import static io.github.ratissnapshot.examples.CliAssertions.namesIn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code ratis-snapshot restore} into a running 3-node cluster ({@code cluster start}, shared by the tests of
 * this class), and what every archive command does with a corrupt archive: exit 3 with one line, and
 * nothing changed — not the cluster's state, not a storage directory.
 *
 * <p>The archive is saved once, before the tests; tests that change the cluster compare against digests
 * they take themselves.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RestoreIT {
  private static final int KEYS = 2_000;

  @TempDir
  static Path shared;

  private static ClusterProcess cluster;
  private static Path archive;
  private static String savedDigest;

  @BeforeAll
  static void startClusterAndSave() {
    cluster = ClusterProcess.start(shared.resolve("cluster"), 3);
    cluster.kvOk("load", "--keys", String.valueOf(KEYS));
    savedDigest = cluster.digest();
    assertThat(savedDigest).startsWith(KEYS + " keys, sha256 ");
    archive = shared.resolve("saved.snap");
    assertExit(CliProcess.run("save", "--peers", cluster.peersArgument(), archive.toString()), 0);
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void kvReadsOfOneServerNameIt() {
    assertThat(cluster.kvOk("digest", "--server", "n3")).matches("\\d+ keys, sha256 [0-9a-f]{64} \\(server n3\\)");
    assertThat(cluster.kvOk("digest")).matches("\\d+ keys, sha256 [0-9a-f]{64} \\(server n[123]\\)");
    assertThat(cluster.kvOk("count", "--server", "n2")).matches("\\d+");
  }

  /** On a terminal (a pseudo-terminal from script(1)) a restore shows each phase, not a line stuck at 100%. */
  @Test
  void onATerminalARestoreShowsItsPhases() {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/script")), "script(1) is needed for a pseudo-terminal");
    String restore = String.join(" ", CliProcess.jarCommand("restore", "--peers", cluster.peersArgument(),
        archive.toString()));

    CliProcess.Result r = CliProcess.exec(List.of("/usr/bin/script", "-qec", restore, "/dev/null"), Map.of(),
        CliProcess.DEFAULT_TIMEOUT);

    assertExit(r, 0);
    List<String> shown = Arrays.stream(r.stdout().split("[\\r\\n]+")).map(l -> l.replace("\u001b[K", ""))
        .filter(l -> !l.isBlank()).toList();
    assertThat(shown).as(r::describe)
        .contains("restoring: archive sent; the servers are staging and verifying it",
            "restoring: committing (n1, n2, n3 ready)")
        .anyMatch(l -> l.startsWith("Restored " + archive + " into group "));
    assertThat(shown.indexOf("restoring: archive sent; the servers are staging and verifying it"))
        .isLessThan(shown.indexOf("restoring: committing (n1, n2, n3 ready)"));
    cluster.awaitDigestOnEveryNode(savedDigest);
  }

  @Test
  void restoreBringsEveryNodeBackToTheSavedState() {
    List<String> changed = CliProcess.concurrently(List.<Callable<String>>of(
        () -> cluster.kvOk("put", "added-after-save", "x"),
        () -> cluster.kvOk("delete", "key0000000000")));
    assertThat(changed).containsExactly("OK", "deleted");
    assertThat(cluster.digest()).as("the data changed after the save").isNotEqualTo(savedDigest);

    // The operator names one server; the restore still counts, and waits for, the whole group.
    CliProcess.Result r = CliProcess.run("restore", "--peers", "n2=" + cluster.address("n2"), archive.toString());

    assertExit(r, 0);
    assertThat(r.stdout()).as(r::describe).startsWith("Restored " + archive + " into group " + cluster.group())
        .contains("\nMembers voters n1, n2, n3; verified before the commit: n1, n2, n3\n");
    assertThat(r.stderr()).as(r::describe).isEmpty();
    cluster.awaitDigestOnEveryNode(savedDigest);

    // status, asked through one server, reports every member and the restore that committed on it.
    Matcher restored = Pattern.compile("log index (\\d+) \\(term").matcher(r.stdout());
    assertThat(restored.find()).as(r::describe).isTrue();
    String commitIndex = restored.group(1);
    CliProcess.Result status = CliProcess.run("status", "--peers", "n1=" + cluster.address("n1"));
    assertExit(status, 0);
    List<String> lines = status.stdout().lines().toList();
    assertThat(lines.get(0)).as(status::describe).isEqualTo("Members: voters n1, n2, n3");
    assertThat(lines.get(1)).as(status::describe).isEqualTo("Archiving lease: not held");
    assertThat(lines.subList(3, lines.size())).as(status::describe).hasSize(3).allSatisfy(line -> assertThat(line)
        .matches("n[123] +(leader|follower) +127\\.0\\.0\\.1:\\d+ +\\d+ .*last [0-9a-f-]{36} committed at index "
            + commitIndex + " \\(archive .*\\)"));
  }

  @ParameterizedTest
  @EnumSource(Corruption.class)
  void corruptArchiveIsRejectedByVerifyInspectAndSeed(Corruption corruption, @TempDir Path dir) throws Exception {
    Path bad = corrupt(corruption, dir);
    byte[] badBytes = Files.readAllBytes(bad);
    Path storage = dir.resolve("storage");
    Path derivedStorage = dir.resolve("storage-of-a-derived-group");

    List<CliProcess.Result> results = CliProcess.runConcurrently(List.of(
        List.of("verify", bad.toString()),
        List.of("inspect", bad.toString()),
        List.of("inspect", "--format", "json", bad.toString()),
        List.of("seed", "--storage-dir", storage.toString(), "--peer", "n1", "--peers", cluster.peersArgument(),
            "--group", UUID.randomUUID().toString(), bad.toString()),
        // Without --group the group id comes from the archive's meta.json, read before the archive is verified.
        List.of("seed", "--storage-dir", derivedStorage.toString(), "--peer", "n1", "--peers",
            cluster.peersArgument(), bad.toString())));

    assertRejected(results.get(0), "verify");
    assertRejected(results.get(1), "inspect");
    assertRejected(results.get(2), "inspect");
    assertRejected(results.get(3), "seed");
    assertRejected(results.get(4), "seed");
    assertThat(results.get(4).stderr()).isEqualTo(results.get(3).stderr());
    assertThat(namesIn(storage)).as("seed created nothing in the storage directory").isEmpty();
    assertThat(namesIn(derivedStorage)).as("seed without --group created nothing").isEmpty();
    assertThat(Files.readAllBytes(bad)).as("the archive is left as it was").isEqualTo(badBytes);
  }

  @Test
  void corruptArchivesAreRejectedByRestoreAndTheClusterKeepsItsState(@TempDir Path dir) throws Exception {
    String before = cluster.digest();
    List<List<String>> restores = new ArrayList<>();
    for (Corruption corruption : Corruption.values()) {
      restores.add(List.of("restore", "--peers", cluster.peersArgument(), "--group", cluster.group().toString(),
          corrupt(corruption, dir).toString()));
    }

    List<CliProcess.Result> results = CliProcess.runConcurrently(restores);

    results.forEach(r -> assertRejected(r, "restore"));
    cluster.awaitDigestOnEveryNode(before);
  }

  private static void assertRejected(CliProcess.Result r, String command) {
    String message = assertOneLineError(r, command, 3);
    assertThat(message).as(r::describe).isNotBlank();
    assertThat(r.stdout()).as(r::describe).isEmpty();
  }

  private static Path corrupt(Corruption corruption, Path dir) throws Exception {
    Path bad = dir.resolve(corruption.name().toLowerCase(Locale.ROOT) + ".snap");
    Files.write(bad, corruption.apply(Files.readAllBytes(archive)));
    return bad;
  }
}
