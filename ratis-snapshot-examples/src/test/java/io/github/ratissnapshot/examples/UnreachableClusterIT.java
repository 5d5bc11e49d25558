package io.github.ratissnapshot.examples;

import static io.github.ratissnapshot.examples.CliAssertions.assertOneLineError;
import static io.github.ratissnapshot.examples.CliAssertions.namesIn;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.ratissnapshot.archive.format.ArchiveWriter;
import io.github.ratissnapshot.archive.format.Configuration;
import io.github.ratissnapshot.archive.format.SnapshotMeta;
import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.protocol.RaftGroupId;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * {@code save} and {@code restore} against peers where nothing listens: exit 1 in bounded time with one
 * line that names the peers, and no archive or {@code .part} file left behind. Run with and without
 * {@code --group}: without it the servers are asked for their group first; with it the save has already
 * created its {@code .part} file when the group turns out to be unreachable.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class UnreachableClusterIT {
  private static final Duration BOUND = Duration.ofSeconds(60);

  @TempDir
  Path dir;

  private String peers;
  private List<String> peerItems;

  @BeforeEach
  void closedPorts() {
    peerItems = new ArrayList<>();
    int[] ports = FreePorts.any(3);
    for (int i = 0; i < ports.length; i++) {
      peerItems.add("n" + (i + 1) + "=127.0.0.1:" + ports[i]);
    }
    peers = String.join(",", peerItems);
  }

  @Test
  @Execution(ExecutionMode.CONCURRENT)
  void saveWithoutGroupExitsOneNamingThePeers() {
    Path file = dir.resolve("out.snap");
    CliProcess.Result r = CliProcess.run(BOUND, "save", "--peers", peers, "--timeout", "2s", file.toString());
    assertUnreachable(r, "save");
    assertThat(namesIn(dir)).as("no FILE, no FILE.part").isEmpty();
  }

  @Test
  @Execution(ExecutionMode.CONCURRENT)
  void saveWithGroupExitsOneNamingThePeersAndRemovesItsPart() {
    Path file = dir.resolve("out.snap");
    CliProcess.Result r = CliProcess.run(BOUND, "save", "--peers", peers, "--group", UUID.randomUUID().toString(),
        "--timeout", "2s", file.toString());
    assertUnreachable(r, "save");
    assertThat(namesIn(dir)).as("no FILE, no FILE.part").isEmpty();
  }

  @Test
  @Execution(ExecutionMode.CONCURRENT)
  void restoreWithoutGroupExitsOneNamingThePeers() throws Exception {
    Path archive = validArchive();
    CliProcess.Result r = CliProcess.run(BOUND, "restore", "--peers", peers, "--timeout", "2s", archive.toString());
    assertUnreachable(r, "restore");
    assertThat(namesIn(dir)).containsExactly("valid.snap");
  }

  @Test
  @Execution(ExecutionMode.CONCURRENT)
  void restoreWithGroupExitsOneNamingThePeers() throws Exception {
    Path archive = validArchive();
    CliProcess.Result r = CliProcess.run(BOUND, "restore", "--peers", peers, "--group", UUID.randomUUID().toString(),
        "--timeout", "2s", archive.toString());
    assertUnreachable(r, "restore");
    assertThat(namesIn(dir)).containsExactly("valid.snap");
  }

  @Test
  @Execution(ExecutionMode.CONCURRENT)
  void kvPutExitsOneNamingTheGroupAndPeers() {
    UUID group = UUID.randomUUID();
    CliProcess.Result r = CliProcess.run(BOUND, "kv", "put", "k", "v", "--peers", peers, "--group", group.toString(),
        "--timeout", "2s");
    assertUnreachable(r, "kv put");
    assertThat(r.stderr()).as(r::describe)
        .contains("failed to run kv put on group " + RaftGroupId.valueOf(group) + " at ")
        .contains("UNAVAILABLE");
  }

  private void assertUnreachable(CliProcess.Result r, String command) {
    String message = assertOneLineError(r, command, 1);
    assertThat(message).as(r::describe).contains(peerItems);
    assertThat(r.elapsed()).as(r::describe).isLessThan(BOUND);
    assertThat(r.stdout()).as(r::describe).isEmpty();
  }

  /** A small valid archive, so that restore gets past its local verification to the network. */
  private Path validArchive() throws Exception {
    byte[] state = "some state".getBytes(StandardCharsets.UTF_8);
    Path file = dir.resolve("valid.snap");
    try (OutputStream out = Files.newOutputStream(file)) {
      ArchiveWriter.defaults().write(out, SnapshotMeta.of(2, 10, Configuration.EMPTY, 1, state.length, Instant.now()),
          new ByteArrayInputStream(state));
    }
    return file;
  }
}
