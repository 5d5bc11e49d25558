package io.github.ratissnapshot.archive.format;

import java.util.Set;

/** The names, modes and limits of the archive's tar entries, shared by the writer and the reader. */
final class ArchiveLayout {
  /** The snapshot metadata entry. */
  static final String META = "meta.json";
  /** The state entry. */
  static final String STATE = "state.bin";
  /** The checksum list entry. */
  static final String SUMS = "SHA256SUMS";
  /** Vault's sealed checksum list: accepted, reported, not checked. */
  static final String SEALED_SUMS = "SHA256SUMS.sealed";
  /** The entries a reader accepts. */
  static final Set<String> KNOWN = Set.of(META, STATE, SUMS, SEALED_SUMS);

  /** The file mode Consul writes, {@code 0600}. */
  static final int MODE = 0600;
  /** The tar record size; the writer pads to nothing larger. */
  static final int RECORD = 512;

  private ArchiveLayout() {}
}
