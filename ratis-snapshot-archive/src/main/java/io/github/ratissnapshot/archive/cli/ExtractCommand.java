package io.github.ratissnapshot.archive.cli;

import io.github.ratissnapshot.archive.format.ArchiveReader;
import io.github.ratissnapshot.archive.format.ArchiveSummary;
import io.github.ratissnapshot.archive.format.AtomicFile;
import io.github.ratissnapshot.archive.format.Digests;
import io.github.ratissnapshot.archive.format.ExtractedState;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ratis-snapshot extract FILE OUT}: the archive's {@code state.bin} (or with {@code --meta} its
 * {@code meta.json}) as a file of its own, written only once the whole archive has verified, and published
 * atomically. What operators otherwise do with {@code tar xzf}, with no checks.
 */
@Command(name = "extract", mixinStandardHelpOptions = true,
    description = {"Write an archive's state (state.bin), or with --meta its meta.json, to OUT.",
        "The whole archive is verified first; OUT appears, complete, only if it is valid."})
final class ExtractCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--meta", description = "Write meta.json instead of the state.")
  boolean meta;

  @Option(names = "--force", description = "Replace OUT if it exists.")
  boolean force;

  @Parameters(index = "0", paramLabel = "FILE", converter = ArchiveSource.Converter.class,
      description = "The archive; - for standard input; "
          + ArchiveSource.IN_STORE + ".")
  ArchiveSource file;

  @Parameters(index = "1", paramLabel = "OUT", description = "Where the state (or meta.json) goes.")
  Path target;

  @Override
  public Integer call() throws Exception {
    PathChecks.newFile(target, force);
    PrintWriter out = spec.commandLine().getOut();
    ArchiveSummary s;
    if (meta) {
      s = ArchiveFiles.verify(file, spec.commandLine().getErr()).summary();
      byte[] json = s.meta().toJson();
      publish(json);
      boolean same = Digests.hex(Digests.sha256().digest(json)).equals(s.entry("meta.json").orElseThrow().sha256Hex());
      out.printf("Extracted meta.json of %s to %s (%d bytes%s)%n", s.meta().id(), target, json.length,
          same ? "" : "; re-encoded: the archive's own bytes differ in layout only");
    } else {
      Path dir = target.toAbsolutePath().getParent();
      try (Progress progress = Progress.start("extracting", ArchiveFiles.sizeOf(file), spec.commandLine().getErr());
          InputStream in = progress.count(ArchiveFiles.open(file));
          ExtractedState state = ArchiveReader.defaults().extract(in, dir)) {
        AtomicFile.publish(state.path(), target, force);
        s = state.summary();
      }
      out.printf("Extracted state.bin of %s to %s (%d bytes, sha256 %s)%n", s.meta().id(), target, s.meta().size(),
          s.state().sha256Hex());
    }
    out.flush();
    return ExitCode.OK;
  }

  private void publish(byte[] json) throws IOException {
    try (AtomicFile f = AtomicFile.create(target, force)) {
      f.stream().write(json);
      f.commit();
    }
  }
}
