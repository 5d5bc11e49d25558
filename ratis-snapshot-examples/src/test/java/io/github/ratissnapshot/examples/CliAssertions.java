package io.github.ratissnapshot.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The CLI's contract on failures (DESIGN.md section 3), asserted on a finished process. */
final class CliAssertions {
  private CliAssertions() {}

  /**
   * Asserts that {@code verify} accepts the archive and that its state.bin is {@code state}
   * ({@code "<size> <sha256>"}, as {@code blob fingerprint} prints it), and that meta.json's Size agrees.
   */
  static void assertArchiveHoldsState(Path file, String state) {
    List<CliProcess.Result> rs = CliProcess.runConcurrently(List.of(List.of("verify", file.toString()),
        List.of("inspect", "--format", "json", file.toString())));
    assertExit(rs.get(0), 0);
    assertExit(rs.get(1), 0);
    try {
      JsonNode root = new ObjectMapper().readTree(rs.get(1).stdout());
      JsonNode stateEntry = null;
      for (JsonNode e : root.get("Entries")) {
        if (e.get("Name").asText().equals("state.bin")) {
          stateEntry = e;
        }
      }
      assertThat(stateEntry).as(rs.get(1)::describe).isNotNull();
      assertThat(stateEntry.get("Size").asLong() + " " + stateEntry.get("SHA256").asText())
          .as("the archive %s holds the state that was saved", file).isEqualTo(state);
      assertThat(root.get("Size").asLong()).isEqualTo(stateEntry.get("Size").asLong());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Asserts the exit code, showing the whole run if it differs. */
  static void assertExit(CliProcess.Result r, int expected) {
    assertThat(r.exitCode()).as(r::describe).isEqualTo(expected);
  }

  /**
   * Asserts a failure reported as the contract says: exit {@code code}, exactly one line on standard error,
   * {@code "ratis-snapshot <command>: <message>"}, and no stack trace.
   *
   * @return the message after the prefix
   */
  static String assertOneLineError(CliProcess.Result r, String command, int code) {
    assertExit(r, code);
    List<String> lines = r.stderrLines();
    assertThat(lines).as(r::describe).hasSize(1);
    assertThat(lines.get(0)).as(r::describe).startsWith("ratis-snapshot " + command + ": ");
    assertNoStackTrace(r);
    return lines.get(0).substring(("ratis-snapshot " + command + ": ").length());
  }

  /**
   * Asserts a usage error: exit 2, {@code "ratis-snapshot <command>: <message>"} and the
   * {@code "Try 'ratis-snapshot <command> --help'."} line, nothing else on standard error, no stack trace.
   *
   * @param command the command as typed, such as {@code "save"} or {@code "kv put"}; empty for the top level
   * @return the message
   */
  static String assertUsageError(CliProcess.Result r, String command) {
    String name = command.isEmpty() ? "ratis-snapshot" : "ratis-snapshot " + command;
    assertExit(r, 2);
    List<String> lines = r.stderrLines();
    assertThat(lines).as(r::describe).hasSize(2);
    assertThat(lines.get(0)).as(r::describe).startsWith(name + ": ");
    assertThat(lines.get(1)).as(r::describe).isEqualTo("Try '" + name + " --help'.");
    assertNoStackTrace(r);
    return lines.get(0).substring(name.length() + 2);
  }

  /** Asserts that neither output stream carries a Java stack trace. */
  static void assertNoStackTrace(CliProcess.Result r) {
    assertThat(r.stderr()).as(r::describe).doesNotContain("\tat ").doesNotContain("Exception in thread");
    assertThat(r.stdout()).as(r::describe).doesNotContain("\tat ");
  }

  /** Returns the names in a directory, sorted; empty if it does not exist. */
  static List<String> namesIn(Path dir) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
