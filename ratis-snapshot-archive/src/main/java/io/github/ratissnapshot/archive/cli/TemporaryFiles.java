package io.github.ratissnapshot.archive.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Temporary files a command made, deleted when it closes this (whether the command succeeded or not). */
final class TemporaryFiles implements AutoCloseable {
  private final List<Path> files = new ArrayList<>();

  /** Registers {@code file} for deletion and returns it. */
  Path add(Path file) {
    files.add(file);
    return file;
  }

  @Override
  public void close() throws IOException {
    for (Path f : files) {
      Files.deleteIfExists(f);
    }
  }
}
