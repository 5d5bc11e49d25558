package io.github.ratissnapshot.archive.format;

import java.util.Arrays;
import java.util.Objects;

/**
 * One tar entry of an archive as it was read or written.
 *
 * @param name the entry name, such as {@code state.bin}
 * @param size the number of bytes of the entry
 * @param sha256 the SHA-256 of the entry's raw bytes; copied on the way in and out
 */
public record ArchiveEntry(String name, long size, byte[] sha256) {
  /** Validates and copies the digest. */
  public ArchiveEntry {
    Objects.requireNonNull(name, "name");
    if (size < 0) {
      throw new IllegalArgumentException("size must not be negative, got " + size);
    }
    if (sha256 == null || sha256.length != 32) {
      throw new IllegalArgumentException("sha256 must be 32 bytes");
    }
    sha256 = sha256.clone();
  }

  /** Returns a copy of the SHA-256 digest. */
  @Override
  public byte[] sha256() {
    return sha256.clone();
  }

  /** Returns the SHA-256 digest as 64 lowercase hex digits, as {@code sha256sum} prints it. */
  public String sha256Hex() {
    return Digests.hex(sha256);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ArchiveEntry e && name.equals(e.name) && size == e.size
        && Arrays.equals(sha256, e.sha256);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, size, Arrays.hashCode(sha256));
  }

  @Override
  public String toString() {
    return "ArchiveEntry[" + name + ", " + size + " bytes, sha256 " + sha256Hex() + "]";
  }
}
