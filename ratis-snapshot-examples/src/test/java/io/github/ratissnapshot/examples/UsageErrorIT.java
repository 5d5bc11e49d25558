package io.github.ratissnapshot.examples;

import static io.github.ratissnapshot.examples.CliAssertions.assertOneLineError;
import static io.github.ratissnapshot.examples.CliAssertions.assertUsageError;
import static io.github.ratissnapshot.examples.CliAssertions.namesIn;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
        usage("save", "give either FILE or --to LOCATION", "save --peers " + PEERS),
        usage("save", "give either FILE or --to LOCATION", "save --peers " + PEERS + " --to {dir} {dir}/out.snap"),
        usage("save", "'gs://bucket': unknown store scheme 'gs' (a directory path, file:///dir or s3://bucket/prefix)",
            "save --peers " + PEERS + " --to gs://bucket"),
        usage("save", "'s3://bucket?bogus=1': unknown option 'bogus' (known: concurrency, endpoint, part-size, "
            + "path-style, profile, region, stale-uploads)", "save --peers " + PEERS + " --to s3://bucket?bogus=1"),
        usage("verify", "Invalid value for positional parameter at index 0 (FILE): 's3://bucket/x.snap' names no "
            + "archive: give s3://bucket[/prefix]/<group>/<name>.snap", "verify s3://bucket/x.snap"),
        usage("list", "'s3://bucket/p?part-size=1MiB': part-size 1048576 is below S3's minimum of 5 MiB",
            "list s3://bucket/p?part-size=1MiB"),
        usage("save", "Missing required option: '--peers", "save {dir}/out.snap"),
        usage("save", "'n1=nohost' is not ID=HOST:PORT", "save --peers n1=nohost {dir}/out.snap"),
        usage("save", "Unknown option: '--bogus'", "save --peers " + PEERS + " --bogus {dir}/out.snap"),
        usage("save", "--level must be 0 to 9, got 12", "save --peers " + PEERS + " --level 12 {dir}/out.snap"),
        usage("save", "'0s' must be positive", "save --peers " + PEERS + " --timeout 0s {dir}/out.snap"),
        usage("restore", "give FILE, --latest LOCATION or --abort", "restore --peers " + PEERS),
        usage("restore", "give only one of FILE, --latest LOCATION and --abort",
            "restore --peers " + PEERS + " --latest {dir} {dir}/in.snap"),
        usage("seed", "give either FILE or --latest LOCATION", "seed --storage-dir {dir}/storage --peer n1 --peers "
            + PEERS),
        usage("agent", "Missing required option: '--to=LOCATION'", "agent --peers " + PEERS + " --once"),
        usage("agent", "--retain: retention rule 'last' is given twice", "agent --peers " + PEERS
            + " --to {dir} --retain last=1,last=2 --once"),
        usage("prune", "Missing required option: '--retain=RULES'", "prune {dir} --group "
            + "02511d59-1a25-4ae6-a2d0-6c48e3a4d2b1"),
        usage("restore", "'n1=127.0.0.1' is not ID=HOST:PORT", "restore --peers n1=127.0.0.1 {dir}/in.snap"),
        usage("seed", "--peer n4 is not one of --peers " + PEERS,
            "seed --storage-dir {dir}/storage --peer n4 --peers " + PEERS + " {dir}/in.snap"),
        usage("seed", "Missing required option: '--storage-dir", "seed --peer n1 --peers " + PEERS + " {dir}/in.snap"),
        usage("verify", "Missing required parameter: 'FILE'", "verify"),
        usage("inspect", "expected one of [text, json]", "inspect --format xml {dir}/in.snap"),
        usage("kv put", "Missing required parameters: 'KEY', 'VALUE'", "kv put --peers " + PEERS),
        usage("cluster start", "Missing required option: '--dir", "cluster start --nodes 3"),
        usage("bench cluster", "--nodes must be at least 1, got 0", "bench cluster --nodes 0 --dir {dir}"),
        usage("", "unknown command 'snapshots'; the commands are: save, inspect, verify, extract, restore, seed, status, "
            + "list, prune, agent, cluster, kv, blob, drill, bench", "snapshots"),
        usage("", "unknown command 'snapshot' (Consul's 'snapshot save' is 'ratis-snapshot save' here); the "
            + "commands are: save, inspect, verify, extract, restore, seed, status, list, prune, agent, cluster, kv, blob, drill, "
            + "bench",
            "snapshot save --peers " + PEERS + " {dir}/out.snap"),
        usage("kv", "unknown command 'bogus'; the commands are: put, get, delete, count, digest, load", "kv bogus"),
        usage("verify", "Unmatched argument at index 2: 'extra'", "verify {dir}/in.snap extra"));
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

  static Stream<Arguments> pathErrors() {
    return Stream.of(
        usage("save", "{dir}/adir: Is a directory", "save --peers " + PEERS + " --force {dir}/adir"),
        usage("save", "{dir}/adir: Is a directory", "save --peers " + PEERS + " {dir}/adir"),
        usage("save", "{dir}/nodir: No such directory", "save --peers " + PEERS + " {dir}/nodir/x.snap"),
        usage("save", "{dir}/nodir: No such directory", "save --peers " + PEERS + " {dir}/nodir/deeper/x.snap"),
        usage("save", "{dir}/afile: Not a directory", "save --peers " + PEERS + " {dir}/afile/sub/x.snap"),
        usage("save", "{dir}/afile already exists (use --force to replace it)",
            "save --peers " + PEERS + " {dir}/afile"),
        usage("restore", "{dir}/adir: Is a directory", "restore --peers " + PEERS + " {dir}/adir"),
        usage("restore", "no such file: {dir}/missing.snap", "restore --peers " + PEERS + " {dir}/missing.snap"),
        usage("verify", "{dir}/adir: Is a directory", "verify {dir}/adir"),
        usage("inspect", "{dir}/adir: Is a directory", "inspect {dir}/adir"),
        usage("seed", "{dir}/adir: Is a directory",
            "seed --storage-dir {dir}/storage --peer n1 --peers " + PEERS + " {dir}/adir"));
  }

  /**
   * A path that cannot work fails before any server is contacted (the peers here do not exist), with the
   * path as given and what is wrong with it, and changes nothing.
   */
  @Execution(ExecutionMode.CONCURRENT)
  @ParameterizedTest(name = "ratis-snapshot {2}")
  @MethodSource("pathErrors")
  void aWrongPathFailsAtOnceNamingIt(String command, String message, String commandLine, @TempDir Path dir)
      throws IOException {
    Files.createDirectory(dir.resolve("adir"));
    Files.writeString(dir.resolve("afile"), "a file\n");
    String[] args = Arrays.stream(commandLine.split(" ")).map(a -> a.replace("{dir}", dir.toString()))
        .toArray(String[]::new);

    CliProcess.Result r = CliProcess.run(args);

    assertThat(assertOneLineError(r, command, 1)).isEqualTo(message.replace("{dir}", dir.toString()));
    assertThat(r.elapsed()).as("no server was tried").isLessThan(Duration.ofSeconds(10));
    assertThat(namesIn(dir)).as("nothing written").containsExactly("adir", "afile");
    assertThat(namesIn(dir.resolve("adir"))).isEmpty();
    assertThat(Files.readString(dir.resolve("afile"))).isEqualTo("a file\n");
  }

  @Test
  @Execution(ExecutionMode.CONCURRENT)
  void kvHelpDescribesTheTimeoutInItsOwnTerms() {
    CliProcess.Result r = CliProcess.run("kv", "put", "--help");

    assertThat(r.exitCode()).as(r::describe).isZero();
    assertThat(r.stdout()).as(r::describe).contains("How long one request to the group may take")
        .doesNotContain("a snapshot", "restore commit");
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
