package io.github.ratissnapshot.archive.cli;

import io.github.ratissnapshot.archive.store.ArchiveStore;
import io.github.ratissnapshot.archive.store.RetentionPolicy;
import io.github.ratissnapshot.archive.store.StoredArchive;
import java.io.PrintWriter;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code ratis-snapshot prune LOCATION --group UUID --retain RULES}: applies a retention policy by hand. */
@Command(name = "prune", mixinStandardHelpOptions = true,
    description = {"Apply a retention policy to one group's archives in a store: print what it keeps (and why) "
        + "and what it deletes, then delete, oldest first. The newest archive is always kept; files that are "
        + "not archive names are never touched.",
        "Rules (comma-separated or repeated): last=N, within=D (90m, 36h, 30d; counted back from the newest "
        + "archive), hourly=N, daily=N, weekly=N, monthly=N (the newest archive of each of the N most recent "
        + "periods, UTC). An archive any rule names is kept."})
final class PruneCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--group", required = true, paramLabel = "UUID", description = "The group whose archives to prune.")
  UUID group;

  @Option(names = "--retain", required = true, paramLabel = "RULES", description = "What to keep, e.g. "
      + "last=7 or daily=7,weekly=4,monthly=12.")
  List<String> retain;

  @Option(names = "--max-deletes", defaultValue = "100", paramLabel = "N",
      description = "Delete at most N archives in this run (default: ${DEFAULT-VALUE}); the rest wait.")
  int maxDeletes;

  @Option(names = "--dry-run", description = "Print what would be kept and deleted; delete nothing.")
  boolean dryRun;

  @Parameters(index = "0", paramLabel = "LOCATION",
      description = "The store: a directory, file:///dir or s3://bucket/prefix?endpoint=URL.")
  String location;

  @Override
  public Integer call() throws Exception {
    RetentionPolicy policy;
    try {
      policy = RetentionPolicy.parse(retain);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--retain: " + e.getMessage());
    }
    if (maxDeletes < 0) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--max-deletes must not be negative");
    }
    PrintWriter out = spec.commandLine().getOut();
    try (ArchiveStore store = StoreOptions.openExisting(spec, location)) {
      ArchiveStore.Listing listing = store.list(group);
      RetentionPolicy.Decision d = policy.apply(listing.archives(), maxDeletes);
      for (StoredArchive a : listing.archives()) {
        if (d.keep().containsKey(a)) {
          out.printf("%-12s %s  (%s)%n", "keep", a.name().fileName(), String.join(", ", d.keep().get(a)));
        } else if (d.delete().contains(a)) {
          out.printf("%-12s %s%n", dryRun ? "would delete" : "delete", a.name().fileName());
        } else {
          out.printf("%-12s %s  (over --max-deletes %d)%n", "later", a.name().fileName(), maxDeletes);
        }
      }
      out.flush();
      int deleted = 0;
      if (!dryRun) {
        for (StoredArchive a : d.delete()) {
          store.delete(a.name());
          deleted++;
        }
      }
      out.printf("group %s: kept %d, %s %d%s%s%n", group, d.keep().size(), dryRun ? "would delete" : "deleted",
          dryRun ? d.delete().size() : deleted, d.deferred().isEmpty() ? "" : ", left for later "
              + d.deferred().size(), listing.foreign().isEmpty() ? ""
              : ", " + listing.foreign().size() + " other file(s) left alone");
      out.flush();
    }
    return ExitCode.OK;
  }
}
