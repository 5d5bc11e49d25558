package io.github.ratissnapshot.archive.store;

import java.util.Objects;

/**
 * One archive in a store, as listing shows it.
 *
 * @param name its name (group, creation time, term, index)
 * @param size its size in bytes
 * @param stateSha256 the SHA-256 of its {@code state.bin} (lowercase hex), or null if the store has no record
 * @param archiveSha256 the SHA-256 of the whole archive file (lowercase hex), or null if the store has no record
 */
public record StoredArchive(ArchiveName name, long size, String stateSha256, String archiveSha256) {
  /** Validates. */
  public StoredArchive {
    Objects.requireNonNull(name, "name");
    if (size < 0) {
      throw new IllegalArgumentException("size " + size);
    }
  }
}
