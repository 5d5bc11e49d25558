package io.github.ratissnapshot.archive.cli;

import io.github.ratissnapshot.archive.format.ArchiveReader;
import io.github.ratissnapshot.archive.format.ArchiveSummary;
import io.github.ratissnapshot.archive.store.ArchiveStore;
import io.github.ratissnapshot.archive.store.LocalDirectoryStore;
import io.github.ratissnapshot.archive.store.StoredArchive;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.UUID;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * {@code --latest LOCATION} and {@code --source-group UUID}: the newest archive of a group in a store that
 * verifies, for {@code restore} and {@code seed} (a mixin). Archives that fail verification are reported and
 * skipped, never used.
 */
final class LatestOptions {
  @Option(names = "--latest", paramLabel = "LOCATION", description = "Instead of FILE: the newest archive in this "
      + "store (a directory, file:///dir or s3://bucket/prefix?endpoint=URL) that verifies; invalid ones are "
      + "reported and skipped.")
  String location;

  @Option(names = "--source-group", paramLabel = "UUID", description = "Whose archives --latest takes (default: "
      + "the store's only group, or for restore the group being restored).")
  UUID sourceGroup;

  /**
   * The archive chosen, verified in full.
   *
   * @param file a local file holding it (in the store for a directory store, else a temporary copy)
   * @param summary what verification found
   */
  record Verified(Path file, ArchiveSummary summary) {}

  /** Returns whether {@code --latest} was given. */
  boolean given() {
    return location != null;
  }

  /**
   * Finds the newest archive that verifies.
   *
   * @param spec the command, for usage errors
   * @param defaultGroup the group to take archives of when {@code --source-group} is absent, or null for the
   *     store's only group
   * @param temporary where a copy from a remote store goes
   * @param err where skipped archives are reported
   * @return the archive and what its verification found
   * @throws IOException if the store has no archive of the group that verifies
   */
  Verified newestValid(CommandSpec spec, UUID defaultGroup, TemporaryFiles temporary, PrintWriter err)
      throws IOException {
    try (ArchiveStore store = StoreOptions.openExisting(spec, location)) {
      UUID group = sourceGroup != null ? sourceGroup : defaultGroup != null ? defaultGroup : onlyGroup(spec, store);
      List<StoredArchive> archives = store.list(group).archives();
      if (archives.isEmpty()) {
        throw new IOException(location + " has no archives of group " + group);
      }
      for (int i = archives.size() - 1; i >= 0; i--) {
        StoredArchive a = archives.get(i);
        Path file = store instanceof LocalDirectoryStore local ? local.pathOf(a.name())
            : copy(store, a, temporary);
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
          return new Verified(file, ArchiveReader.defaults().verify(in));
        } catch (IOException e) {
          err.printf("skipping %s: %s%n", store.addressOf(a.name()), RatisSnapshotCli.describe(e, false));
          err.flush();
        }
      }
      throw new IOException("no archive of group " + group + " in " + location + " verifies ("
          + archives.size() + " tried)");
    }
  }

  private static UUID onlyGroup(CommandSpec spec, ArchiveStore store) throws IOException {
    List<UUID> groups = store.groups();
    if (groups.size() == 1) {
      return groups.get(0);
    }
    if (groups.isEmpty()) {
      throw new IOException(store.location() + " has no archives");
    }
    throw new CommandLine.ParameterException(spec.commandLine(), store.location() + " holds archives of "
        + groups.size() + " groups " + groups + "; choose one with --source-group");
  }

  private static Path copy(ArchiveStore store, StoredArchive a, TemporaryFiles temporary) throws IOException {
    Path copy = temporary.add(Files.createTempFile("ratis-snapshot-latest-", ".snap"));
    try (InputStream in = store.open(a.name())) {
      Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
    }
    return copy;
  }
}
