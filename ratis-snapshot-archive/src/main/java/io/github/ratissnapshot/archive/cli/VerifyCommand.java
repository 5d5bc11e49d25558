package io.github.ratissnapshot.archive.cli;

import io.github.ratissnapshot.archive.format.ArchiveSummary;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code ratis-snapshot verify FILE}: a full integrity check; exit 0 only when the archive is valid. */
@Command(name = "verify", mixinStandardHelpOptions = true,
    description = {"Check an archive completely: gzip and tar structure, entry names and types, "
        + "meta.json, and every SHA-256 in SHA256SUMS.",
        "Exit 0 when valid, 3 when invalid or corrupt, 1 when it cannot be read."})
final class VerifyCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(index = "0", paramLabel = "FILE", converter = ArchiveSource.Converter.class,
      description = "The archive to verify; - for standard input; " + ArchiveSource.IN_STORE + ".")
  ArchiveSource file;

  @Override
  public Integer call() throws Exception {
    ArchiveSummary s = ArchiveFiles.verify(file, spec.commandLine().getErr()).summary();
    String name = file.describe();
    spec.commandLine().getOut().printf("%s: valid snapshot archive (ID %s, Index %d, Term %d, Size %d, "
            + "state sha256 %s)%s%n", name, s.meta().id(), s.meta().index(), s.meta().term(), s.meta().size(),
        s.state().sha256Hex(), s.hasSealedSums() ? "; SHA256SUMS.sealed present, not checked" : "");
    return ExitCode.OK;
  }
}
