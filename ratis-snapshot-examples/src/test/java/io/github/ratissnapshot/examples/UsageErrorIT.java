package io.github.ratissnapshot.examples;

import static io.github.ratissnapshot.examples.CliAssertions.assertOneLineError;
import static io.github.ratissnapshot.examples.CliAssertions.assertUsageError;
import static io.github.ratissnapshot.examples.CliAssertions.namesIn;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A wrong command line exits 2 with one line saying what is wrong and one saying where help is, no stack
 * trace, and nothing written. No cluster runs: a usage error must be found before any server is contacted.
 * Other failures print one line too; the stack trace comes only with {@code --verbose}.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class UsageErrorIT {
  /** Peers that are never contacted. */
  private static final String PEERS = "n1=127.0.0.1:9,n2=127.0.0.1:10,n3=127.0.0.1:11";

  static Stream<Arguments> usageErrors() {
    return Stream.of(
        usage("save", "Missing required parameter: 'FILE'", "save --peers " + PEERS),
        usage("save", "Missing required option: '--peers", "save {dir}/out.snap"),
        usage("save", "'n1=nohost' is not ID=HOST:PORT", "save --peers n1=nohost {dir}/out.snap"),
        usage("save", "Unknown option: '--bogus'", "save --peers " + PEERS + " --bogus {dir}/out.snap"),
        usage("save", "--level must be 0 to 9, got 12", "save --peers " + PEERS + " --level 12 {dir}/out.snap"),
        usage("save", "'0s' must be positive", "save --peers " + PEERS + " --timeout 0s {dir}/out.snap"),
        usage("restore", "Missing required parameter: 'FILE'", "restore --peers " + PEERS),
        usage("restore", "'n1=127.0.0.1' is not ID=HOST:PORT", "restore --peers n1=127.0.0.1 {dir}/in.snap"),
        usage("seed", "--peer n4 is not one of --peers " + PEERS,
            "seed --storage-dir {dir}/storage --peer n4 --peers " + PEERS + " {dir}/in.snap"),
        usage("seed", "Missing required option: '--storage-dir", "seed --peer n1 --peers " + PEERS + " {dir}/in.snap"),
        usage("verify", "Missing required parameter: 'FILE'", "verify"),
        usage("inspect", "expected one of [text, json]", "inspect --format xml {dir}/in.snap"),
        usage("kv put", "Missing required parameters: 'KEY', 'VALUE'", "kv put --peers " + PEERS),
        usage("cluster start", "Missing required option: '--dir", "cluster start --nodes 3"),
        usage("", "Unmatched argument at index 0: 'snapshots'", "snapshots"));
  }

  @Execution(ExecutionMode.CONCURRENT)
  @ParameterizedTest(name = "ratis-snapshot {2}")
  @MethodSource("usageErrors")
  void usageErrorExitsTwoWithOneLineAndAHint(String command, String message, String commandLine,
      @TempDir Path dir) {
    String[] args = Arrays.stream(commandLine.split(" ")).map(a -> a.replace("{dir}", dir.toString()))
        .toArray(String[]::new);

    CliProcess.Result r = CliProcess.run(args);

    assertThat(assertUsageError(r, command)).as(r::describe).contains(message);
    assertThat(r.stdout()).as(r::describe).isEmpty();
    assertThat(namesIn(dir)).as("nothing written").isEmpty();
  }

  @Test
  @Execution(ExecutionMode.CONCURRENT)
  void aMissingArchiveIsAnOperationalFailureWithOneLine(@TempDir Path dir) {
    Path missing = dir.resolve("missing.snap");

    CliProcess.Result r = CliProcess.run("verify", missing.toString());

    assertThat(assertOneLineError(r, "verify", 1)).isEqualTo("no such file: " + missing);
  }

  @Test
  @Execution(ExecutionMode.CONCURRENT)
  void verboseAddsTheStackTrace(@TempDir Path dir) {
    Path missing = dir.resolve("missing.snap");

    CliProcess.Result r = CliProcess.run("verify", "--verbose", missing.toString());

    assertThat(r.exitCode()).as(r::describe).isEqualTo(1);
    assertThat(r.stderrLines().get(0)).as(r::describe).isEqualTo("ratis-snapshot verify: no such file: " + missing);
    assertThat(r.stderr()).as(r::describe).contains("java.nio.file.NoSuchFileException", "\tat ");
  }

  private static Arguments usage(String command, String message, String commandLine) {
    return Arguments.of(command, message, commandLine);
  }
}
