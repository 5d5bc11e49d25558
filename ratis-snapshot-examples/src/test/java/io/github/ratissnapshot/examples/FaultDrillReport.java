package io.github.ratissnapshot.examples;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Writes the Markdown report of {@link FaultDrillIT}: the machine, the plan, one row per run, the totals. */
final class FaultDrillReport {
  private FaultDrillReport() {}

  /**
   * (Re)writes the report with the runs so far.
   *
   * @param failure the failure that ended the drill, or null
   */
  static void write(Path file, FaultDrillIT.Plan plan, List<FaultDrillIT.Run> runs, Map<String, String> labels,
      Duration elapsed, String failure) {
    StringBuilder md = new StringBuilder();
    md.append("# Fault drills: kill -9 during online restore and remote save\n\n");
    md.append("- Date: ").append(LocalDate.now()).append('\n');
    md.append("- Machine: ").append(machine()).append('\n');
    md.append("- Plan: `").append(plan.name()).append("`, ").append(plan.steps().size()).append(" runs")
        .append(plan.name().equals("soak") ? ", random seed " + plan.seed() : "").append('\n');
    md.append("- Cluster: 3 nodes, each its own JVM (`cluster node --state-machine blob`), gRPC on loopback; ")
        .append("state ").append(plan.stateSize()).append(" of generated key-value-like data\n");
    labels.forEach((state, label) -> md.append("- State ").append(label).append(": `").append(state).append("`\n"));
    md.append("- Reproduce: `").append(plan.command()).append("`\n");
    md.append("- Wall time: ").append(elapsed.toSeconds()).append(" s\n\n");
    md.append("""
        Each run starts the real CLI (`restore` of the archive of the state the cluster does not hold, or `save`
        of the leader's state), kills the leader or a follower with SIGKILL when the operation reaches the
        point named, restarts it after the downtime shown (or, for "until the end", after the command has
        exited), waits for the command to finish, runs `restore --abort` (which must find no restore open) and
        waits until every node holds the same state. Checked every run: every replica's
        `blob fingerprint --server nX` is the same and is the complete old or the complete new state; a
        restore that exited 0 committed; a failed command printed one line and exited 1; a save left either a
        FILE that `verify` accepts and whose state.bin is the state saved, or no FILE, and then the next save
        of the same FILE succeeded and left no FILE.part.

        """);
    md.append("| # | operation | victim | kill point | seen at the kill | down | exit | outcome | state after | "
        + "notes | time |\n");
    md.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
    Map<String, Integer> totals = new TreeMap<>();
    for (FaultDrillIT.Run r : runs) {
      FaultDrillIT.Step s = r.step();
      totals.merge(s.point().operation.name().toLowerCase() + ": " + r.outcome(), 1, Integer::sum);
      String notes = r.notes();
      if (!r.message().isEmpty()) {
        notes = (notes.isEmpty() ? "" : notes + "; ") + "error: " + r.message();
      }
      md.append(String.format("| %d | %s | %s %s | %s | %s | %s | %d | %s | %s | %s | %d s |%n", r.number(),
          s.point().operation.name().toLowerCase(), s.victim().name().toLowerCase(), r.victimId(), s.point(),
          r.atKill() == null ? "-" : r.atKill(),
          s.downtime() == null ? "until the end" : s.downtime().toMillis() + " ms", r.exitCode(), r.outcome(),
          r.stateAfter(), cell(notes), r.elapsed().toSeconds()));
    }
    md.append("\n## Totals\n\n");
    totals.forEach((k, v) -> md.append("- ").append(k).append(": ").append(v).append('\n'));
    md.append("\nKill points:\n\n");
    for (FaultDrillIT.Point p : FaultDrillIT.Point.values()) {
      md.append("- `").append(p).append("` (").append(p.operation.name().toLowerCase()).append("): ")
          .append(p.description).append('\n');
    }
    md.append('\n').append(failure == null
        ? (runs.size() == plan.steps().size() ? "Result: every run kept the invariants.\n" : "Result: incomplete.\n")
        : "Result: FAILED at run " + (runs.size() + 1) + ": " + cell(failure) + "\n");
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.writeString(file, md, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String cell(String text) {
    String oneLine = text.replace('\n', ' ').replace("|", "\\|");
    return oneLine.length() > 300 ? oneLine.substring(0, 300) + "…" : oneLine;
  }

  private static String machine() {
    String memory = "";
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal:")) {
          long kb = Long.parseLong(line.replaceAll("\\D", ""));
          memory = String.format(", %.0f GiB RAM", kb / 1024.0 / 1024.0);
        }
      }
    } catch (IOException | RuntimeException ignored) {
      // not Linux: leave it out
    }
    return Runtime.getRuntime().availableProcessors() + " cores" + memory + ", " + System.getProperty("os.name")
        + " " + System.getProperty("os.version") + ", Java " + System.getProperty("java.version");
  }
}
