package io.github.ratissnapshot.archive.cli;

import io.github.ratissnapshot.archive.store.ArchiveName;
import io.github.ratissnapshot.archive.store.ArchiveStore;
import io.github.ratissnapshot.archive.store.ArchiveStores;
import io.github.ratissnapshot.archive.store.LocalDirectoryStore;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/** Opening the store a command names. */
final class StoreOptions {
  private StoreOptions() {}

  /**
   * Opens a store that must already exist (to read from or prune).
   *
   * @throws CommandLine.ParameterException for a location no store can be opened from
   * @throws FileSystemException if the directory does not exist or is not a directory
   */
  static ArchiveStore openExisting(CommandSpec spec, String location) throws FileSystemException {
    ArchiveStore store = openForPublishing(spec, location);
    if (store instanceof LocalDirectoryStore local) {
      Path root = local.root();
      if (!Files.exists(root)) {
        throw new FileSystemException(location, null, "no such store directory");
      }
      if (!Files.isDirectory(root)) {
        throw new FileSystemException(location, null, "Not a directory");
      }
    }
    return store;
  }

  /**
   * Opens a store to publish into; a directory store's directory is created by the first publish.
   *
   * @throws CommandLine.ParameterException for a location no store can be opened from
   */
  static ArchiveStore openForPublishing(CommandSpec spec, String location) {
    try {
      return ArchiveStores.open(location);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  /**
   * Returns where to save an archive before it is published: beside its final name in a directory store
   * (same disk; a leftover of a killed save is a temporary file that the store cleans up), else in the
   * temporary directory.
   */
  static Path scratchFile(ArchiveStore store, UUID group) throws IOException {
    String name = "saving-" + UUID.randomUUID() + ArchiveName.SUFFIX;
    if (store instanceof LocalDirectoryStore local) {
      return Files.createDirectories(local.root().resolve(group.toString())).resolve(name);
    }
    return Path.of(System.getProperty("java.io.tmpdir")).resolve(name);
  }
}
