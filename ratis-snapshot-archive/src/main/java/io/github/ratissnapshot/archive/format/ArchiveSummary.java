package io.github.ratissnapshot.archive.format;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What an archive holds, once written or fully verified: its metadata and its entries in archive order,
 * each with its size and SHA-256.
 *
 * @param meta the parsed {@code meta.json}
 * @param entries the tar entries in the order they appear; copied
 */
public record ArchiveSummary(SnapshotMeta meta, List<ArchiveEntry> entries) {
  /** Validates and copies. */
  public ArchiveSummary {
    Objects.requireNonNull(meta, "meta");
    entries = List.copyOf(entries);
  }

  /** Returns the entry with this name, if the archive has one. */
  public Optional<ArchiveEntry> entry(String name) {
    return entries.stream().filter(e -> e.name().equals(name)).findFirst();
  }

  /** Returns the {@code state.bin} entry; every valid archive has one. */
  public ArchiveEntry state() {
    return entry(ArchiveLayout.STATE).orElseThrow();
  }

  /**
   * Returns whether the archive carries Vault's {@code SHA256SUMS.sealed}. Its signature is not checked:
   * that needs Vault's keys.
   */
  public boolean hasSealedSums() {
    return entry(ArchiveLayout.SEALED_SUMS).isPresent();
  }
}
