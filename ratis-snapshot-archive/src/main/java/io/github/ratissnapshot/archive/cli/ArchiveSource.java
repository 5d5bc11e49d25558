package io.github.ratissnapshot.archive.cli;

import io.github.ratissnapshot.archive.store.ArchiveName;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import picocli.CommandLine;

/**
 * An archive named on the command line: a file, {@code -} for standard input, or one archive in a store,
 * {@code s3://bucket[/prefix]/<group>/<name>.snap[?options]} (the store's location and the archive's name in
 * one, as {@code list} and the agent print them).
 *
 * @param raw the argument as given
 */
record ArchiveSource(String raw) {
  /** How a command's help names an archive in a store. */
  static final String IN_STORE = "s3://bucket[/prefix]/<group>/<name>.snap[?options] for one in a store";

  /**
   * An archive in a store.
   *
   * @param location the store's location ({@code s3://bucket/prefix?options})
   * @param name the archive's name in it
   */
  record InStore(String location, ArchiveName name) {}

  /** Returns whether this is {@code -}, standard input. */
  boolean isStandardStream() {
    return raw.equals("-");
  }

  /** Returns the store and name, for an archive in a store. */
  Optional<InStore> inStore() {
    return isStoreUri(raw) ? Optional.of(parseStore(raw)) : Optional.empty();
  }

  /** Returns the file; valid when this is neither standard input nor in a store. */
  Path path() {
    return Path.of(raw);
  }

  /** Returns what messages call it: standard input, the file, or the archive's address without options. */
  String describe() {
    if (isStandardStream()) {
      return "standard input";
    }
    int q = raw.indexOf('?');
    return isStoreUri(raw) && q > 0 ? raw.substring(0, q) : raw;
  }

  @Override
  public String toString() {
    return describe();
  }

  private static boolean isStoreUri(String s) {
    return s.toLowerCase(Locale.ROOT).startsWith("s3://");
  }

  private static InStore parseStore(String s) {
    URI uri;
    try {
      uri = new URI(s);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("'" + s + "' is not a URI: " + e.getMessage(), e);
    }
    String path = uri.getPath() == null ? "" : uri.getPath().replaceAll("/+$", "");
    String[] parts = path.split("/");
    if (parts.length < 3) {
      throw new IllegalArgumentException("'" + s + "' names no archive: give s3://bucket[/prefix]/<group>/<name>.snap");
    }
    String fileName = parts[parts.length - 1];
    UUID group;
    try {
      group = UUID.fromString(parts[parts.length - 2]);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("'" + s + "': '" + parts[parts.length - 2] + "' is not a group id "
          + "(s3://bucket[/prefix]/<group>/<name>.snap)", e);
    }
    ArchiveName name = ArchiveName.parse(group, fileName).orElseThrow(() -> new IllegalArgumentException("'" + s
        + "': '" + fileName + "' is not an archive name (<yyyyMMdd'T'HHmmss'Z'>-t<term>-i<index>.snap)"));
    String prefix = String.join("/", java.util.Arrays.copyOfRange(parts, 0, parts.length - 2));
    String location = "s3://" + uri.getRawAuthority() + prefix + (uri.getRawQuery() == null ? ""
        : "?" + uri.getRawQuery());
    return new InStore(location, name);
  }

  /** Picocli's converter: a store URI that does not name an archive is a usage error. */
  static final class Converter implements CommandLine.ITypeConverter<ArchiveSource> {
    @Override
    public ArchiveSource convert(String value) {
      ArchiveSource s = new ArchiveSource(value);
      try {
        s.inStore();
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
      return s;
    }
  }
}
