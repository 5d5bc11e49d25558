package io.github.ratissnapshot.archive.cli;

import io.github.ratissnapshot.archive.ratis.client.GroupConnection;
import io.github.ratissnapshot.archive.ratis.client.RestoreClient;
import io.github.ratissnapshot.archive.ratis.client.RestoreOutcomeUnknownException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code ratis-snapshot restore}: replaces a running group's state with an archive's. */
@Command(name = "restore", mixinStandardHelpOptions = true,
    description = {"Restore an archive into a running group (as consul snapshot restore).",
        "The archive is verified here first, then sent through the group's log; every server verifies it "
            + "again and the state is replaced on all of them at once, or on none. The restore commits when "
            + "every member of the group's configuration (as its leader reports it, whatever --peers names) "
            + "has verified the archive, or a majority of the voters has and the others are silent; listeners "
            + "never count. The group keeps its membership; application writes are refused while it runs."})
final class RestoreCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  GroupOptions group = new GroupOptions();

  @Parameters(index = "0", arity = "0..1", paramLabel = "FILE", converter = ArchiveSource.Converter.class,
      description = "The archive to restore; - for standard input; "
          + ArchiveSource.IN_STORE + " (either copied to a temporary file first).")
  ArchiveSource file;

  @Mixin
  LatestOptions latest = new LatestOptions();

  @Option(names = "--abort",
      description = "Instead of restoring, abort whatever restore is open in the group (one whose client died "
          + "before it finished); every server keeps its state.")
  boolean abort;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    int sources = (abort ? 1 : 0) + (file != null ? 1 : 0) + (latest.given() ? 1 : 0);
    if (sources != 1) {
      throw new ParameterException(spec.commandLine(), sources == 0 ? "give FILE, --latest LOCATION or --abort"
          : "give only one of FILE, --latest LOCATION and --abort");
    }
    if (abort) {
      GroupConnection connection = group.connect();
      try (RestoreClient client = RestoreClient.newBuilder(connection).build()) {
        out.println(client.abortOpenRestore().map(id -> "Aborted restore " + id)
            .orElse("No restore was open in group " + connection.group().getGroupId().getUuid()));
      }
      out.flush();
      return ExitCode.OK;
    }
    GroupConnection connection;
    RestoreClient.Result r;
    String source = String.valueOf(file);
    try (TemporaryFiles temporary = new TemporaryFiles()) {
      Path archive;
      LatestOptions.Verified chosen = null;
      if (latest.given()) {
        connection = group.connect();
        chosen = latest.newestValid(spec, connection.group().getGroupId().getUuid(), temporary,
            spec.commandLine().getErr());
        archive = chosen.file();
        source = archive.toString();
      } else {
        archive = ArchiveFiles.fileOf(file, temporary);
        connection = group.connect();
      }
      try (RestoreClient client = RestoreClient.newBuilder(connection).build();
          Progress progress = Progress.start("restoring", Files.size(archive), spec.commandLine().getErr())) {
        Thread abortOnExit = new Thread(client::abortInFlight, "restore-abort");
        Runtime.getRuntime().addShutdownHook(abortOnExit);
        try {
          r = chosen != null ? client.restoreVerified(archive, chosen.summary(), progress)
              : client.restore(archive, progress);
        } catch (RestoreOutcomeUnknownException e) {
          throw new IOException(e.getMessage() + "; check which servers committed it with: ratis-snapshot status "
              + "--peers " + group.peersArgument() + " --group " + connection.group().getGroupId().getUuid(), e);
        } finally {
          try {
            Runtime.getRuntime().removeShutdownHook(abortOnExit);
          } catch (IllegalStateException shuttingDown) {
            // the hook aborts the restore
          }
        }
      }
    }
    // The archive's own index (in its ID) is its source group's; the group's log goes on from its own index.
    out.printf("Restored %s into group %s: archive %s, committed at this group's log index %d (term %d)%n",
        source, connection.group().getGroupId().getUuid(),
        r.archiveId(), r.commitIndex(), r.commitTerm());
    out.printf("Members %s; verified before the commit: %s%n", r.membership().describe(),
        String.join(", ", new TreeSet<>(r.ready())));
    out.flush();
    return ExitCode.OK;
  }
}
