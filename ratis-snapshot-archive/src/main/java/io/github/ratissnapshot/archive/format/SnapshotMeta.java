package io.github.ratissnapshot.archive.format;

import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;

/**
 * The content of {@code meta.json}: hashicorp/raft's {@code SnapshotMeta}, the description of the state
 * that {@code state.bin} holds.
 *
 * <p>Values are validated on construction: numbers are non-negative, the version is one this library
 * knows ({@value #MIN_VERSION} to {@value #MAX_VERSION}, as hashicorp/raft), and nothing is {@code null}
 * except {@code peers}. Instances are immutable; {@link #peers()} returns a copy.
 *
 * @param version the snapshot format version; {@value #MAX_VERSION} for archives this library writes
 * @param id the snapshot's id; hashicorp/raft writes {@code <term>-<index>-<unixMillis>}
 * @param index the log index the state includes
 * @param term the term of the entry at {@code index}
 * @param peers the deprecated hashicorp/raft peer list, or {@code null}; written as base64
 * @param configuration the membership at the snapshot
 * @param configurationIndex the log index of the entry that set {@code configuration}
 * @param size the exact number of bytes of {@code state.bin}
 */
public record SnapshotMeta(
    int version,
    String id,
    long index,
    long term,
    byte[] peers,
    Configuration configuration,
    long configurationIndex,
    long size) {

  /** The lowest snapshot version accepted, as hashicorp/raft's {@code SnapshotVersionMin}. */
  public static final int MIN_VERSION = 0;
  /** The highest snapshot version accepted and the one written, as hashicorp/raft's {@code SnapshotVersionMax}. */
  public static final int MAX_VERSION = 1;

  /** Validates the values and copies {@code peers}. */
  public SnapshotMeta {
    if (version < MIN_VERSION || version > MAX_VERSION) {
      throw new IllegalArgumentException("unsupported snapshot version " + version
          + " (supported: " + MIN_VERSION + " to " + MAX_VERSION + ")");
    }
    Objects.requireNonNull(id, "id");
    requireNonNegative("Index", index);
    requireNonNegative("Term", term);
    Objects.requireNonNull(configuration, "configuration");
    requireNonNegative("ConfigurationIndex", configurationIndex);
    requireNonNegative("Size", size);
    peers = peers == null ? null : peers.clone();
  }

  /**
   * Returns the metadata of a new snapshot as hashicorp/raft names one: version {@value #MAX_VERSION}, id
   * {@code <term>-<index>-<unixMillis of created>}, no legacy peers.
   *
   * @param term the term of the entry at {@code index}
   * @param index the log index the state includes
   * @param configuration the membership at the snapshot
   * @param configurationIndex the log index of the configuration entry
   * @param size the exact number of bytes of the state
   * @param created when the snapshot was taken, for the id
   * @return the metadata
   * @throws IllegalArgumentException if a number is negative
   */
  public static SnapshotMeta of(long term, long index, Configuration configuration,
      long configurationIndex, long size, Instant created) {
    String id = term + "-" + index + "-" + created.toEpochMilli();
    return new SnapshotMeta(MAX_VERSION, id, index, term, null, configuration, configurationIndex, size);
  }

  /** Returns the exact bytes of {@code meta.json} for this metadata, as Go writes them, newline included. */
  public byte[] toJson() {
    return MetaJson.encode(this);
  }

  /** Returns a copy of the legacy peer list, or {@code null} when there is none. */
  @Override
  public byte[] peers() {
    return peers == null ? null : peers.clone();
  }

  /**
   * Returns a copy of this metadata with another {@code Size}.
   *
   * @param newSize the number of bytes of the state
   * @return the new metadata
   */
  public SnapshotMeta withSize(long newSize) {
    return new SnapshotMeta(version, id, index, term, peers, configuration, configurationIndex, newSize);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SnapshotMeta m
        && version == m.version
        && index == m.index
        && term == m.term
        && configurationIndex == m.configurationIndex
        && size == m.size
        && id.equals(m.id)
        && Arrays.equals(peers, m.peers)
        && configuration.equals(m.configuration);
  }

  @Override
  public int hashCode() {
    return Objects.hash(version, id, index, term, Arrays.hashCode(peers), configuration,
        configurationIndex, size);
  }

  @Override
  public String toString() {
    return "SnapshotMeta[version=" + version + ", id=" + id + ", index=" + index + ", term=" + term
        + ", peers=" + (peers == null ? "null" : Base64.getEncoder().encodeToString(peers))
        + ", configuration=" + configuration + ", configurationIndex=" + configurationIndex
        + ", size=" + size + "]";
  }

  /**
   * Returns when the snapshot was taken, read from an id of the form {@link #of} writes and hashicorp/raft
   * writes ({@code <term>-<index>-<unixMillis>}); empty for an id of another form.
   */
  public Optional<Instant> created() {
    String[] parts = id.split("-");
    if (parts.length != 3) {
      return Optional.empty();
    }
    try {
      long millis = Long.parseLong(parts[2]);
      return millis > 0 ? Optional.of(Instant.ofEpochMilli(millis)) : Optional.empty();
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static void requireNonNegative(String field, long value) {
    if (value < 0) {
      throw new IllegalArgumentException(field + " must not be negative, got " + value);
    }
  }
}
