package io.github.ratissnapshot.archive.cli;

import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The checks a command makes on the paths it was given before it does any work (before it contacts a
 * cluster or reads a byte), so that a wrong path fails at once with a message naming the path as the user
 * typed it: {@code nodir: No such directory}, {@code adir: Is a directory}, {@code no such file: x.snap}.
 */
final class PathChecks {
  private PathChecks() {}

  /**
   * Checks that {@code file} is an existing file that is not a directory.
   *
   * @throws NoSuchFileException if it does not exist
   * @throws FileSystemException if it is a directory
   */
  static void readableFile(Path file) throws FileSystemException {
    if (Files.isDirectory(file)) {
      throw new FileSystemException(file.toString(), null, "Is a directory");
    }
    if (!Files.exists(file)) {
      throw new NoSuchFileException(file.toString());
    }
  }

  /**
   * Checks that a new file can be created as {@code file}: it is not a directory, it does not exist unless
   * {@code replace}, and its directory exists.
   *
   * @throws FileAlreadyExistsException if it exists and {@code replace} is false
   * @throws FileSystemException if it is a directory, or a directory on its path is missing or is a file
   */
  static void newFile(Path file, boolean replace) throws FileSystemException {
    if (Files.isDirectory(file)) {
      throw new FileSystemException(file.toString(), null, "Is a directory");
    }
    if (Files.exists(file) && !replace) {
      throw new FileAlreadyExistsException(file.toString());
    }
    Path missing = null;
    for (Path p = file.getParent(); p != null; p = p.getParent()) {
      if (Files.isDirectory(p)) {
        break;
      }
      if (Files.exists(p)) {
        throw new FileSystemException(p.toString(), null, "Not a directory");
      }
      missing = p;
    }
    if (missing != null) {
      throw new FileSystemException(missing.toString(), null, "No such directory");
    }
  }
}
