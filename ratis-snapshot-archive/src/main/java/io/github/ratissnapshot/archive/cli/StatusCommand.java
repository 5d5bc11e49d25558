package io.github.ratissnapshot.archive.cli;

import io.github.ratissnapshot.archive.ratis.client.StatusClient;
import io.github.ratissnapshot.archive.ratis.client.StatusClient.GroupReport;
import io.github.ratissnapshot.archive.ratis.client.StatusClient.ServerReport;
import io.github.ratissnapshot.archive.ratis.protocol.LeaseReply;
import io.github.ratissnapshot.archive.ratis.protocol.RestoreOutcome;
import io.github.ratissnapshot.archive.ratis.protocol.ServerInfo;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code ratis-snapshot status}: what each server of a group reports about itself, for operators: its role,
 * applied index, latest snapshot, the restore open on it and how the last one ended there.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
    description = {"Show each server of a running group: its role, applied index, latest snapshot, and the "
        + "restore open on it or how the last one ended there.",
        "Asks the servers --peers names and every member of the group's configuration. After a restore whose "
            + "outcome is unknown, a server whose last restore is that one, committed, has the archive's state."})
final class StatusCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  GroupOptions group = new GroupOptions();

  @Mixin
  FormatOption output = new FormatOption();

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    GroupReport report = new StatusClient(group.connect()).report();
    if (output.json()) {
      FormatOption.printJson(out, json(report));
    } else {
      text(out, report);
    }
    out.flush();
    return report.servers().stream().allMatch(s -> s.error() == null) ? ExitCode.OK : ExitCode.FAILURE;
  }

  private static void text(PrintWriter out, GroupReport report) {
    out.println("Members: " + (report.membership() == null ? "unknown" : report.membership().describe()));
    out.println("Archiving lease: " + leaseOf(report).map(l -> "held by " + l.holder() + " until " + l.expiresAt())
        .orElse("not held"));
    String row = "%-8s %-10s %-22s %9s %-16s %s%n";
    out.printf(row, "SERVER", "ROLE", "ADDRESS", "APPLIED", "SNAPSHOT", "RESTORE");
    for (ServerReport s : report.servers()) {
      if (s.error() != null) {
        out.printf(row, s.id(), "-", s.address(), "-", "-", "unreachable: " + RatisSnapshotCli.oneLine(s.error()));
        continue;
      }
      ServerInfo i = s.info();
      String snapshot = i.snapshotIndex() < 0 ? "none" : i.snapshotIndex() + " (term " + i.snapshotTerm() + ")";
      out.printf(row, s.id(), role(s), s.address(), s.appliedIndex(), snapshot, restore(i));
    }
  }

  /** The lease as the leader applied it (any server's if no leader answered). */
  private static Optional<LeaseReply> leaseOf(GroupReport report) {
    ServerReport from = report.servers().stream().filter(s -> s.info() != null)
        .filter(s -> s.role() == RaftPeerRole.LEADER).findFirst()
        .orElse(report.servers().stream().filter(s -> s.info() != null).findFirst().orElse(null));
    return from == null ? Optional.empty() : Optional.ofNullable(from.info().lease());
  }

  private static String role(ServerReport s) {
    String role = s.role().name().toLowerCase(Locale.ROOT);
    return s.member() ? role : role + "*";
  }

  private static String restore(ServerInfo i) {
    if (i.openRestoreId() != null) {
      return "open " + i.openRestoreId() + ": " + i.openRestore().stage().name().toLowerCase(Locale.ROOT) + " "
          + i.openRestore().stagedBytes() + "/" + i.openRestore().archiveBytes() + " bytes";
    }
    RestoreOutcome last = i.lastRestore();
    if (last == null) {
      return "none";
    }
    return "last " + last.restoreId() + (last.committed()
        ? " committed at index " + last.index() + " (archive " + last.archiveId() + ")"
        : " ended at index " + last.index() + ": " + RatisSnapshotCli.oneLine(last.message()));
  }

  private static Map<String, Object> json(GroupReport report) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("Members", report.membership() == null ? null : report.membership().describe());
    m.put("ArchivingLease", leaseOf(report).map(l -> {
      Map<String, Object> lease = new LinkedHashMap<>();
      lease.put("Holder", l.holder());
      lease.put("ExpiresAt", l.expiresAt().toString());
      return lease;
    }).orElse(null));
    List<Map<String, Object>> servers = new ArrayList<>();
    for (ServerReport s : report.servers()) {
      Map<String, Object> j = new LinkedHashMap<>();
      j.put("ID", s.id());
      j.put("Address", s.address());
      j.put("Member", s.member());
      j.put("Error", s.error());
      if (s.error() == null) {
        j.put("Role", s.role().name());
        j.put("AppliedIndex", s.appliedIndex());
        j.put("CommittedIndex", s.committedIndex());
        ServerInfo i = s.info();
        j.put("SnapshotIndex", i.snapshotIndex());
        j.put("SnapshotTerm", i.snapshotTerm());
        j.put("SnapshotFailure", i.snapshotFailure());
        j.put("StateIndex", i.stateIndex());
        if (i.openRestoreId() != null) {
          Map<String, Object> open = new LinkedHashMap<>();
          open.put("ID", i.openRestoreId().toString());
          open.put("Stage", i.openRestore().stage().name());
          open.put("StagedBytes", i.openRestore().stagedBytes());
          open.put("ArchiveBytes", i.openRestore().archiveBytes());
          j.put("OpenRestore", open);
        }
        RestoreOutcome last = i.lastRestore();
        if (last != null) {
          Map<String, Object> l = new LinkedHashMap<>();
          l.put("ID", last.restoreId().toString());
          l.put("Committed", last.committed());
          l.put("Term", last.term());
          l.put("Index", last.index());
          l.put("ArchiveID", last.archiveId());
          l.put("Problem", last.problem());
          l.put("Message", last.message());
          j.put("LastRestore", l);
        }
      }
      servers.add(j);
    }
    m.put("Servers", servers);
    return m;
  }
}
