package io.github.ratissnapshot.examples;

import static io.github.ratissnapshot.examples.CliAssertions.assertExit;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * One artifact on two Ratis versions, and archives that outlive both: this build's classes run once with the
 * Ratis they were built against (the runnable jar) and once with another Ratis on the class path (3.1.3 in
 * the default build, 3.3.0 when the build itself is on 3.1 or 3.2). An archive saved on one seeds a new
 * cluster and restores online on the other, both ways.
 */
@Tag("compat")
@Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CrossVersionIT {
  private static final Duration TIMEOUT = Duration.ofMinutes(3);

  /** A Ratis to run on: the runnable jar's own, or this build's classes with another Ratis's jars. */
  private record Runtime(String ratis, boolean own) {
    static Runtime builtWith() {
      return new Runtime(System.getProperty("ratis.version"), true);
    }

    static Runtime other() {
      return new Runtime(System.getProperty("ratis.cross.version"), false);
    }

    /** Turns {@code java [options] -jar <jar> args} into the command for this runtime. */
    List<String> command(List<String> jarCommand) {
      if (own) {
        return jarCommand;
      }
      Path dir = Path.of(System.getProperty("ratis.cross.dir"));
      String classPath = String.join(File.pathSeparator, System.getProperty("ratis.cross.classes"),
          read(dir.resolve("class-path-without-ratis.txt")), dir.resolve("ratis-" + ratis).resolve("*").toString());
      List<String> command = new ArrayList<>();
      for (int i = 0; i < jarCommand.size(); i++) {
        if (jarCommand.get(i).equals("-jar")) {
          command.addAll(List.of("-cp", classPath, "io.github.ratissnapshot.examples.Main"));
          i++;
        } else {
          command.add(jarCommand.get(i));
        }
      }
      return command;
    }

    ClusterProcess.Launch launch() {
      return ClusterProcess.Launch.DEFAULT.wrapped((id, command) -> command(command));
    }

    CliProcess.Result run(String... args) {
      return CliProcess.exec(command(CliProcess.jarCommand(args)), Map.of(), TIMEOUT);
    }

    private static String read(Path file) {
      try {
        return Files.readString(file).strip();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  @Test
  void anArchiveSavedOnEitherRatisSeedsANewClusterAndRestoresOnlineOnTheOther(@TempDir Path dir) {
    Runtime built = Runtime.builtWith();
    Runtime other = Runtime.other();
    assertThat(other.ratis()).isNotEqualTo(built.ratis());
    for (Runtime r : List.of(built, other)) {
      CliProcess.Result version = r.run("--version");
      assertExit(version, 0);
      assertThat(version.stdoutLines()).as(version::describe).contains("Apache Ratis " + r.ratis());
    }

    try (ClusterProcess source = startCluster(built, dir.resolve("source"))) {
      source.kvOk("load", "--keys", "2000", "--prefix", "v1/");
      String sourceState = source.digest();
      Path savedOnBuilt = dir.resolve("saved-on-" + built.ratis() + ".snap");
      assertExit(built.run("save", "--peers", source.peersArgument(), savedOnBuilt.toString()), 0);
      assertExit(other.run("verify", savedOnBuilt.toString()), 0);

      // Saved on the build's Ratis: seed a cluster on the other, which then takes writes.
      try (ClusterProcess seeded = seedAndStart(other, savedOnBuilt, dir.resolve("seeded-on-other"))) {
        seeded.awaitDigestOnEveryNode(sourceState);
        seeded.kvOk("load", "--keys", "500", "--prefix", "v2/");
        String seededState = seeded.digest();
        assertThat(seededState).isNotEqualTo(sourceState);

        // Saved on the other Ratis ...
        Path savedOnOther = dir.resolve("saved-on-" + other.ratis() + ".snap");
        assertExit(other.run("save", "--peers", seeded.peersArgument(), savedOnOther.toString()), 0);
        assertExit(built.run("verify", savedOnOther.toString()), 0);

        // ... restores online on the build's Ratis, and the build's archive restores online on the other.
        assertExit(built.run("restore", "--peers", source.peersArgument(), savedOnOther.toString()), 0);
        source.awaitDigestOnEveryNode(seededState);
        assertExit(other.run("restore", "--peers", seeded.peersArgument(), savedOnBuilt.toString()), 0);
        seeded.awaitDigestOnEveryNode(sourceState);

        // And it seeds a new cluster on the build's Ratis.
        try (ClusterProcess back = seedAndStart(built, savedOnOther, dir.resolve("seeded-on-built"))) {
          back.awaitDigestOnEveryNode(seededState);
          assertThat(back.kvOk("put", "after-seed", "yes")).isEqualTo("OK");
        }
      }
    }
  }

  private static ClusterProcess startCluster(Runtime r, Path dir) {
    ClusterProcess c = ClusterProcess.start(dir, 3, r.launch());
    assertThat(c.describe()).contains("(Ratis " + r.ratis() + ")");
    return c;
  }

  /** Seeds three nodes with {@code r}'s CLI and starts them as {@code r}'s node processes. */
  private static ClusterProcess seedAndStart(Runtime r, Path archive, Path dir) {
    UUID group = UUID.randomUUID();
    Map<String, String> peers = ClusterProcess.freePeers(3);
    Map<String, Path> storage = ClusterProcess.storageUnder(dir, peers);
    String peersArgument = ClusterProcess.peersArgument(peers);
    CliProcess.concurrently(peers.keySet().stream().map(id -> (Callable<Void>) () -> {
      assertExit(r.run("seed", "--storage-dir", storage.get(id).toString(), "--peer", id, "--peers", peersArgument,
          "--group", group.toString(), archive.toString()), 0);
      return null;
    }).toList());
    ClusterProcess c = ClusterProcess.startNodes(peers, group, storage, dir.resolve("logs"), r.launch());
    assertThat(c.describe()).contains("(Ratis " + r.ratis() + ")");
    return c;
  }
}
