package io.github.ratissnapshot.examples;

import static io.github.ratissnapshot.examples.CliAssertions.assertExit;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code list} and {@code prune} on a directory store, run as the real CLI. */
@Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class StoreCommandsIT {
  private static final UUID GROUP = UUID.fromString("02511d59-1a25-4ae6-a2d0-6c48e3a4d2b1");
  private static final List<String> ARCHIVES = List.of("20261128T100000Z-t2-i100.snap",
      "20261129T100000Z-t2-i200.snap", "20261130T090000Z-t2-i300.snap", "20261130T180000Z-t3-i400.snap",
      "20261201T100000Z-t3-i500.snap", "20261202T040000Z-t3-i600.snap");

  @TempDir
  Path store;

  @BeforeEach
  void aStoreOfSixArchivesAndAForeignFile() throws Exception {
    Path dir = Files.createDirectories(store.resolve(GROUP.toString()));
    for (String name : ARCHIVES) {
      Files.writeString(dir.resolve(name), name); // list and prune read names and sizes only
    }
    Files.writeString(dir.resolve("README"), "someone else's");
  }

  private List<String> files() throws Exception {
    try (Stream<Path> s = Files.list(store.resolve(GROUP.toString()))) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void listShowsEachArchiveOldestFirstAndTheForeignFile() throws Exception {
    CliProcess.Result r = CliProcess.run("list", store.toString());
    assertExit(r, 0);
    assertThat(r.stdoutLines()).hasSize(8);
    assertThat(r.stdoutLines().get(0)).isEqualTo("group " + GROUP + ": 6 archives");
    assertThat(r.stdoutLines().get(1)).isEqualTo("  2026-11-28T10:00:00Z  term 2  index 100  29 B  " + ARCHIVES.get(0));
    assertThat(r.stdoutLines().get(7)).isEqualTo("  (not an archive name, left alone) README");

    CliProcess.Result json = CliProcess.run("list", store.toString(), "--group", GROUP.toString(), "--format", "json");
    assertExit(json, 0);
    JsonNode g = new ObjectMapper().readTree(json.stdout()).get("groups").get(0);
    assertThat(g.get("archives")).hasSize(6);
    assertThat(g.get("archives").get(5).get("index").asLong()).isEqualTo(600);
    assertThat(g.get("archives").get(5).get("name").asText()).isEqualTo(GROUP + "/" + ARCHIVES.get(5));
  }

  @Test
  void pruneDeletesExactlyWhatThePolicyDropsAndADryRunNothing() throws Exception {
    List<String> before = files();
    CliProcess.Result dry = CliProcess.run("prune", store.toString(), "--group", GROUP.toString(),
        "--retain", "daily=2", "--dry-run");
    assertExit(dry, 0);
    assertThat(dry.stdoutLines()).containsExactly(
        "would delete " + ARCHIVES.get(0), "would delete " + ARCHIVES.get(1), "would delete " + ARCHIVES.get(2),
        "would delete " + ARCHIVES.get(3), "keep         " + ARCHIVES.get(4) + "  (daily 2)",
        "keep         " + ARCHIVES.get(5) + "  (newest, daily 2)",
        "group " + GROUP + ": kept 2, would delete 4, 1 other file(s) left alone");
    assertThat(files()).isEqualTo(before);

    CliProcess.Result prune = CliProcess.run("prune", store.toString(), "--group", GROUP.toString(),
        "--retain", "daily=2", "--retain", "last=3", "--max-deletes", "1");
    assertExit(prune, 0);
    assertThat(prune.stdoutLines().get(6)).isEqualTo("group " + GROUP
        + ": kept 3, deleted 1, left for later 2, 1 other file(s) left alone");
    assertThat(files()).containsExactly(ARCHIVES.get(1), ARCHIVES.get(2), ARCHIVES.get(3), ARCHIVES.get(4),
        ARCHIVES.get(5), "README");
  }

  @Test
  void badInputIsOneLineAndDeletesNothing() throws Exception {
    List<String> before = files();
    CliProcess.Result rule = CliProcess.run("prune", store.toString(), "--group", GROUP.toString(),
        "--retain", "yearly=1");
    assertExit(rule, 2);
    assertThat(rule.stderrLines().get(0)).isEqualTo("ratis-snapshot prune: --retain: unknown retention rule "
        + "'yearly' (last, within, hourly, daily, weekly, monthly)");

    CliProcess.Result missing = CliProcess.run("list", store.resolve("nope").toString());
    assertExit(missing, 1);
    assertThat(missing.stderrLines()).containsExactly("ratis-snapshot list: " + store.resolve("nope")
        + ": no such store directory");

    CliProcess.Result scheme = CliProcess.run("prune", "gs://bucket/x", "--group", GROUP.toString(),
        "--retain", "last=1");
    assertExit(scheme, 2);
    assertThat(scheme.stderrLines().get(0)).isEqualTo("ratis-snapshot prune: 'gs://bucket/x': unknown store "
        + "scheme 'gs' (a directory path, file:///dir or s3://bucket/prefix)");
    assertThat(files()).isEqualTo(before);
  }

  @Test
  void saveToAStoreThenRestoreAndSeedFromTheNewestArchiveThatVerifies(@TempDir Path dir) throws Exception {
    Path archives = dir.resolve("archives");
    try (ClusterProcess cluster = ClusterProcess.start(dir.resolve("cluster"), 3)) {
      cluster.kvOk("load", "--keys", "300", "--prefix", "saved/");
      String saved = cluster.digest();
      CliProcess.Result save = CliProcess.run("save", "--peers", cluster.peersArgument(), "--to", archives.toString());
      assertExit(save, 0);
      Path groupDir = archives.resolve(cluster.group().toString());
      List<Path> published;
      try (Stream<Path> s = Files.list(groupDir)) {
        published = s.filter(p -> p.toString().endsWith(".snap")).toList();
      }
      assertThat(published).hasSize(1);
      assertThat(save.stdout()).startsWith("Saved " + archives + "/" + cluster.group() + "/"
          + published.get(0).getFileName() + ": ID ");
      assertThat(groupDir.resolve(published.get(0).getFileName() + ".sha256")).isRegularFile();
      // A newer archive that does not verify (a truncated upload, say) must be skipped, never restored.
      Path corrupt = groupDir.resolve("29991231T000000Z-t9-i999999.snap");
      Files.write(corrupt, Arrays.copyOf(Files.readAllBytes(published.get(0)), 100));

      cluster.kvOk("put", "saved/1", "changed");
      CliProcess.Result restore = CliProcess.run("restore", "--peers", cluster.peersArgument(), "--latest",
          archives.toString());
      assertExit(restore, 0);
      assertThat(restore.stderrLines()).anyMatch(l -> l.startsWith("skipping " + archives + "/" + cluster.group()
          + "/29991231T000000Z-t9-i999999.snap: "));
      assertThat(restore.stdout()).startsWith("Restored " + published.get(0) + " into group " + cluster.group());
      cluster.awaitDigestOnEveryNode(saved);

      Path storage = dir.resolve("seeded");
      CliProcess.Result seed = CliProcess.run("seed", "--storage-dir", storage.toString(), "--peer", "m1",
          "--peers", "m1=127.0.0.1:" + FreePorts.any(1)[0], "--latest", archives.toString());
      assertExit(seed, 0);
      assertThat(seed.stdoutLines().get(0)).startsWith("Seeded peer m1 of group ");
      assertThat(corrupt).as("a bad archive is reported, not deleted").exists();
    }
  }
}
