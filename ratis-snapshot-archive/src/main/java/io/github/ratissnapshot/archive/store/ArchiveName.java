package io.github.ratissnapshot.archive.store;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where an archive lives in a store, relative to the store's root or prefix:
 * {@code <group-id>/<yyyyMMdd'T'HHmmss'Z'>-t<term>-i<index>.snap}. Names sort by creation time without a
 * manifest, and carry what retention and {@code --latest} need without reading the archive.
 *
 * @param group the Ratis group the archive was saved from
 * @param created when it was saved, to the second (UTC)
 * @param term the term of its state
 * @param index the log index of its state
 */
public record ArchiveName(UUID group, Instant created, long term, long index) {
  /** Oldest first: by creation time, then index, then term. */
  public static final Comparator<ArchiveName> OLDEST_FIRST = Comparator.comparing(ArchiveName::created)
      .thenComparingLong(ArchiveName::index).thenComparingLong(ArchiveName::term);

  /** The file name suffix of every archive in a store. */
  public static final String SUFFIX = ".snap";

  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
      .withZone(ZoneOffset.UTC);
  private static final Pattern FILE = Pattern.compile("(\\d{8}T\\d{6}Z)-t(\\d{1,18})-i(\\d{1,18})\\.snap");

  /** Validates and truncates the time to the second. */
  public ArchiveName {
    Objects.requireNonNull(group, "group");
    created = Objects.requireNonNull(created, "created").truncatedTo(ChronoUnit.SECONDS);
    if (term < 0 || index < 0) {
      throw new IllegalArgumentException("term and index must not be negative: t" + term + " i" + index);
    }
  }

  /** Returns the file name: {@code <yyyyMMdd'T'HHmmss'Z'>-t<term>-i<index>.snap}. */
  public String fileName() {
    return TIME.format(created) + "-t" + term + "-i" + index + SUFFIX;
  }

  /** Returns the key under the store's root: {@code <group-id>/<file name>}. */
  public String key() {
    return group + "/" + fileName();
  }

  /**
   * Parses a file name found under a group's directory or prefix.
   *
   * @param group the group the directory or prefix belongs to
   * @param fileName the name, without any directory
   * @return the archive's name, or empty if this is not an archive name (a foreign object: listed, never
   *     deleted)
   */
  public static Optional<ArchiveName> parse(UUID group, String fileName) {
    Matcher m = FILE.matcher(fileName);
    if (!m.matches()) {
      return Optional.empty();
    }
    try {
      ArchiveName n = new ArchiveName(group, Instant.from(TIME.parse(m.group(1))), Long.parseLong(m.group(2)),
          Long.parseLong(m.group(3)));
      return n.fileName().equals(fileName) ? Optional.of(n) : Optional.empty();
    } catch (DateTimeParseException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  @Override
  public String toString() {
    return key();
  }
}
