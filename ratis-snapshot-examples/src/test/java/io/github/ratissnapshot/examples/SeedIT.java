package io.github.ratissnapshot.examples;

import static io.github.ratissnapshot.examples.CliAssertions.assertExit;
import static io.github.ratissnapshot.examples.CliAssertions.assertOneLineError;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Offline restore as an operator does it: save an archive of a cluster, seed fresh storage directories
 * for a new cluster from it with {@code ratis-snapshot seed}, start the new cluster's servers on them
 * ({@code cluster node} processes, or one {@code cluster start}), and find the saved state on every node,
 * taking writes.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SeedIT {
  private static final int KEYS = 3_000;
  private static final Pattern SEEDED = Pattern.compile(
      "^Seeded peer (\\S+) of group ([0-9a-f-]{36}) in (.+): archive (\\S+), Index (\\d+), Term (\\d+), Size (\\d+)$");

  @TempDir
  static Path shared;

  private static Path archive;
  private static String savedDigest;

  @BeforeAll
  static void saveASourceCluster() {
    try (ClusterProcess source = ClusterProcess.start(shared.resolve("source"), 3)) {
      source.kvOk("load", "--keys", String.valueOf(KEYS), "--prefix", "seeded/");
      savedDigest = source.digest();
      archive = shared.resolve("source.snap");
      assertExit(CliProcess.run("save", "--peers", source.peersArgument(), archive.toString()), 0);
    }
  }

  @Test
  void seededNodeProcessesStartWithTheSavedStateAndTakeWrites(@TempDir Path dir) {
    UUID group = UUID.randomUUID();
    Map<String, String> peers = ClusterProcess.freePeers(3);
    Map<String, Path> storage = ClusterProcess.storageUnder(dir, peers);
    String peersArgument = ClusterProcess.peersArgument(peers);
    List<Matcher> seeded = CliProcess.concurrently(peers.keySet().stream().map(id -> (Callable<Matcher>) () ->
        seed(storage.get(id), id, peersArgument, "--group", group.toString())).toList());
    for (Matcher m : seeded) {
      assertThat(m.group(2)).isEqualTo(group.toString());
      Path groupDir = storage.get(m.group(1)).resolve(group.toString());
      assertThat(Path.of(m.group(3)).toAbsolutePath()).isEqualTo(groupDir.toAbsolutePath());
      String snapshot = "snapshot." + m.group(6) + "_" + m.group(5);
      assertThat(groupDir.resolve("sm").resolve(snapshot)).isRegularFile().hasSize(Long.parseLong(m.group(7)));
      assertThat(groupDir.resolve("sm").resolve(snapshot + ".md5")).isRegularFile();
      assertThat(groupDir.resolve("current").resolve("raft-meta")).isRegularFile();
    }

    try (ClusterProcess cluster = ClusterProcess.startNodes(peers, group, storage, dir.resolve("logs"))) {
      cluster.awaitDigestOnEveryNode(savedDigest);
      assertThat(cluster.kvOk("put", "written-after-seed", "yes")).isEqualTo("OK");
      assertThat(cluster.kvOk("count")).isEqualTo(String.valueOf(KEYS + 1));

      CliProcess.Result again = CliProcess.run("seed", "--storage-dir", storage.get("n1").toString(), "--peer", "n1",
          "--peers", peersArgument, "--group", group.toString(), archive.toString());
      assertThat(assertOneLineError(again, "seed", 1)).as(again::describe)
          .contains(group.toString(), "exists and is not empty").doesNotContain("--force");
    }
  }

  @Test
  void seedWithoutGroupDerivesOneGroupForEveryPeerAndClusterStartRunsOnIt(@TempDir Path dir) {
    int basePort = FreePorts.consecutive(3);
    List<String> items = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      items.add("n" + (i + 1) + "=127.0.0.1:" + (basePort + i));
    }
    List<String> reversed = new ArrayList<>(items);
    Collections.reverse(reversed);
    List<Callable<Matcher>> seeds = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      String id = "n" + i;
      // the order of --peers does not matter: n3 lists them backwards
      String peers = String.join(",", i == 3 ? reversed : items);
      seeds.add(() -> seed(dir.resolve(id), id, peers));
    }

    List<Matcher> seeded = CliProcess.concurrently(seeds);

    Set<String> groups = new LinkedHashSet<>();
    for (Matcher m : seeded) {
      groups.add(m.group(2));
      assertThat(dir.resolve(m.group(1)).resolve(m.group(2)).resolve("sm")).isDirectory();
    }
    assertThat(groups).as("every peer derives the same group").hasSize(1);
    UUID group = UUID.fromString(groups.iterator().next());

    // cluster start stores node nX in DIR/nX, where nX was seeded
    try (ClusterProcess cluster = ClusterProcess.start(dir, 3, basePort, group)) {
      cluster.awaitDigestOnEveryNode(savedDigest);
      assertThat(cluster.kvOk("put", "written-after-seed", "yes")).isEqualTo("OK");
    }
  }

  /** Runs {@code seed}, asserts it succeeded, and returns its "Seeded peer ..." line, matched. */
  private static Matcher seed(Path storageDir, String peer, String peers, String... more) {
    List<String> args = new ArrayList<>(List.of("seed", "--storage-dir", storageDir.toString(), "--peer", peer,
        "--peers", peers));
    args.addAll(List.of(more));
    args.add(archive.toString());
    CliProcess.Result r = CliProcess.run(args.toArray(String[]::new));
    assertExit(r, 0);
    assertThat(r.stderr()).as(r::describe).isEmpty();
    assertThat(r.stdoutLines()).as(r::describe).hasSize(2);
    Matcher m = SEEDED.matcher(r.stdoutLines().get(0));
    assertThat(m.matches()).as(r::describe).isTrue();
    assertThat(m.group(1)).isEqualTo(peer);
    assertThat(Files.isDirectory(storageDir)).isTrue();
    return m;
  }
}
