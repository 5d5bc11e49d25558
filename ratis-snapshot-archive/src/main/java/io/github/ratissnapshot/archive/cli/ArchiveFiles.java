package io.github.ratissnapshot.archive.cli;

import io.github.ratissnapshot.archive.format.ArchiveReader;
import io.github.ratissnapshot.archive.format.ArchiveSummary;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/** Verifying archive files from the command line, with a progress line. */
final class ArchiveFiles {
  private ArchiveFiles() {}

  /** Verifies the archive in {@code file}, showing progress on {@code err} when it is a terminal. */
  static ArchiveSummary verify(Path file, PrintWriter err) throws IOException {
    PathChecks.readableFile(file);
    try (Progress progress = Progress.start("verifying", Files.size(file), err);
        InputStream in = progress.count(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
      return ArchiveReader.defaults().verify(in);
    }
  }
}
