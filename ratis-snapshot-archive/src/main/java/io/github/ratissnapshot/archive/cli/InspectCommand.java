package io.github.ratissnapshot.archive.cli;

import io.github.ratissnapshot.archive.format.ArchiveEntry;
import io.github.ratissnapshot.archive.format.ArchiveOrigin;
import io.github.ratissnapshot.archive.format.ArchiveSummary;
import io.github.ratissnapshot.archive.format.Server;
import io.github.ratissnapshot.archive.format.SnapshotMeta;
import io.github.ratissnapshot.archive.format.Suffrage;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code ratis-snapshot inspect FILE}: what an archive holds; reads it fully and changes nothing. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
    description = {"Show an archive's metadata, servers and entry hashes. The archive is verified on the "
        + "way (exit 3 if it is invalid); nothing is written."})
final class InspectCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  FormatOption output = new FormatOption();

  @Parameters(index = "0", paramLabel = "FILE", converter = ArchiveSource.Converter.class,
      description = "The archive to inspect; - for standard input; "
          + ArchiveSource.IN_STORE + ".")
  ArchiveSource file;

  @Override
  public Integer call() throws Exception {
    ArchiveFiles.Verified v = ArchiveFiles.verify(file, spec.commandLine().getErr());
    PrintWriter out = spec.commandLine().getOut();
    if (output.json()) {
      FormatOption.printJson(out, json(v));
    } else {
      text(v, out);
    }
    out.flush();
    return ExitCode.OK;
  }

  private static void text(ArchiveFiles.Verified v, PrintWriter out) {
    ArchiveSummary s = v.summary();
    SnapshotMeta m = s.meta();
    out.printf("%-19s %s%n", "ID", m.id());
    out.printf("%-19s %s%n", "Created", m.created().map(Instant::toString).orElse("unknown (the ID holds no time)"));
    out.printf("%-19s %d%n", "Index", m.index());
    out.printf("%-19s %d%n", "Term", m.term());
    out.printf("%-19s %d%n", "Version", m.version());
    out.printf("%-19s %d (%s)%n", "Size", m.size(), Sizes.format(m.size()));
    out.printf("%-19s %d (%s, %.2fx compressed)%n", "ArchiveSize", v.archiveBytes(), Sizes.format(v.archiveBytes()),
        ratio(m.size(), v.archiveBytes()));
    out.printf("%-19s %s%n", "WrittenBy", origin(v).description());
    out.printf("%-19s %d%n", "ConfigurationIndex", m.configurationIndex());
    out.printf("%-19s %s%n", "Peers", m.peers() == null ? "null" : m.peers().length + " bytes (legacy)");
    out.println("Servers");
    if (m.configuration().servers().isEmpty()) {
      out.println("  (none)");
    }
    for (Server srv : m.configuration().servers()) {
      out.printf("  %-9s %-38s %s%n", suffrage(srv.suffrage()), srv.id(), srv.address());
    }
    out.println("Entries");
    for (ArchiveEntry e : s.entries()) {
      out.printf("  %-18s %12d  sha256 %s%n", e.name(), e.size(), e.sha256Hex());
    }
    if (s.hasSealedSums()) {
      out.println("SHA256SUMS.sealed is present; its signature was not checked (that needs Vault's keys).");
    }
  }

  private static Map<String, Object> json(ArchiveFiles.Verified v) {
    ArchiveSummary s = v.summary();
    SnapshotMeta m = s.meta();
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("ID", m.id());
    root.put("Created", m.created().map(Instant::toString).orElse(null));
    root.put("Index", m.index());
    root.put("Term", m.term());
    root.put("Version", m.version());
    root.put("Size", m.size());
    root.put("ArchiveSize", v.archiveBytes());
    root.put("CompressionRatio", ratio(m.size(), v.archiveBytes()));
    root.put("WrittenBy", origin(v).description());
    root.put("ConfigurationIndex", m.configurationIndex());
    root.put("Peers", m.peers() == null ? null : Base64.getEncoder().encodeToString(m.peers()));
    List<Map<String, Object>> servers = new ArrayList<>();
    for (Server srv : m.configuration().servers()) {
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("Suffrage", suffrage(srv.suffrage()));
      o.put("ID", srv.id());
      o.put("Address", srv.address());
      servers.add(o);
    }
    root.put("Servers", servers);
    List<Map<String, Object>> entries = new ArrayList<>();
    for (ArchiveEntry e : s.entries()) {
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("Name", e.name());
      o.put("Size", e.size());
      o.put("SHA256", e.sha256Hex());
      entries.add(o);
    }
    root.put("Entries", entries);
    root.put("SealedSums", s.hasSealedSums());
    root.put("Valid", true);
    return root;
  }

  private static double ratio(long stateBytes, long archiveBytes) {
    return archiveBytes == 0 ? 0 : Math.round(100.0 * stateBytes / archiveBytes) / 100.0;
  }

  private static ArchiveOrigin origin(ArchiveFiles.Verified v) {
    return ArchiveOrigin.guess(v.head(), v.summary().hasSealedSums());
  }

  private static String suffrage(Suffrage s) {
    return switch (s) {
      case VOTER -> "Voter";
      case NONVOTER -> "Nonvoter";
      case STAGING -> "Staging";
    };
  }
}
