package io.github.ratissnapshot.examples;

import static io.github.ratissnapshot.examples.CliAssertions.assertExit;
import static io.github.ratissnapshot.examples.CliAssertions.assertUsageError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The top-level {@code ratis-snapshot} launcher script runs the jar and passes its exit code through.
 * The script rebuilds the jar when a source is newer; a test must not trigger a Maven build inside the
 * build running it, so these tests are skipped when the jar is stale (never the case under {@code mvn verify},
 * which packages the jar first).
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LauncherIT {
  private static Path launcher;

  @BeforeAll
  static void launcherFindsAFreshJar() {
    launcher = Path.of(CliProcess.requiredProperty("ratis.snapshot.launcher"));
    assertThat(launcher).isRegularFile().isExecutable();
    Optional<Path> newer = newerSource(launcher.getParent(), CliProcess.jar());
    assumeTrue(newer.isEmpty(), () -> "the jar is older than " + newer.orElseThrow()
        + ", so the launcher would rebuild it; run `mvn package` first");
  }

  @Test
  void launcherPrintsItsVersionAndTheRatisItRuns() {
    CliProcess.Result r = launch("--version");
    assertExit(r, 0);
    assertThat(r.stdoutLines()).as(r::describe).hasSize(2);
    assertThat(r.stdoutLines().get(0)).as(r::describe).matches("ratis-snapshot \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?");
    assertThat(r.stdoutLines().get(1)).as("the Ratis inside the jar").isEqualTo("Apache Ratis "
        + System.getProperty("ratis.version"));
    assertThat(r.stderr()).as(r::describe).isEmpty();
  }

  @Test
  void launcherPassesTheUsageExitCodeThrough() {
    assertUsageError(launch("verify"), "verify");
  }

  /** Runs the launcher with the {@code java} of this JVM first on the PATH. */
  private static CliProcess.Result launch(String... args) {
    String javaBin = Path.of(CliProcess.javaBinary()).getParent().toString();
    List<String> command = Stream.concat(Stream.of(launcher.toString()), Stream.of(args)).toList();
    return CliProcess.exec(command, Map.of("PATH", javaBin + ":" + System.getenv().getOrDefault("PATH", "")),
        CliProcess.DEFAULT_TIMEOUT);
  }

  /** The launcher's own staleness rule: a pom or a main source file newer than the jar. */
  private static Optional<Path> newerSource(Path root, Path jar) {
    try {
      if (!Files.isRegularFile(jar)) {
        return Optional.of(jar);
      }
      FileTime built = Files.getLastModifiedTime(jar);
      List<Path> roots = List.of(root.resolve("pom.xml"), root.resolve("ratis-snapshot-archive/pom.xml"),
          root.resolve("ratis-snapshot-examples/pom.xml"), root.resolve("ratis-snapshot-archive/src/main"),
          root.resolve("ratis-snapshot-examples/src/main"));
      for (Path r : roots) {
        if (!Files.exists(r)) {
          continue;
        }
        try (Stream<Path> files = Files.walk(r)) {
          Optional<Path> newer = files.filter(Files::isRegularFile)
              .filter(f -> modified(f).compareTo(built) > 0).findFirst();
          if (newer.isPresent()) {
            return newer;
          }
        }
      }
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static FileTime modified(Path f) {
    try {
      return Files.getLastModifiedTime(f);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
