package io.github.ratissnapshot.examples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** A temporary directory removed with everything in it on {@link #close()}, unless told to keep it. */
public final class ScratchDirectory implements AutoCloseable {
  private final Path path;
  private final boolean keep;

  private ScratchDirectory(Path path, boolean keep) {
    this.path = path;
    this.keep = keep;
  }

  /**
   * Creates a new directory under {@code parent} (the system temp directory when null).
   *
   * @param parent where to create it
   * @param prefix the name's prefix
   * @return the directory, removed on close
   */
  public static ScratchDirectory create(Path parent, String prefix) throws IOException {
    Path base = parent != null ? Files.createDirectories(parent) : Path.of(System.getProperty("java.io.tmpdir"));
    return new ScratchDirectory(Files.createTempDirectory(base, prefix), false);
  }

  /** Uses an existing or new directory that is kept on close. */
  public static ScratchDirectory keep(Path dir) throws IOException {
    return new ScratchDirectory(Files.createDirectories(dir), true);
  }

  /** Returns the directory. */
  public Path path() {
    return path;
  }

  /** Removes the directory and its content unless it is kept. */
  @Override
  public void close() throws IOException {
    if (!keep) {
      deleteTree(path);
    }
  }

  /** Removes a directory and everything in it; a missing one is fine. */
  public static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    }
  }
}
