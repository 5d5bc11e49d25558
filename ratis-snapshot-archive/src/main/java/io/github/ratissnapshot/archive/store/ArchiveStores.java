package io.github.ratissnapshot.archive.store;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Opens a store from a location as a user writes it: a directory path, a {@code file:} URI, or an
 * {@code s3://} location ({@link S3Location}).
 */
public final class ArchiveStores {
  private ArchiveStores() {}

  /**
   * Opens the store at {@code location}; nothing is created until something is published.
   *
   * @param location a directory ({@code /backups}, {@code ./archives}), {@code file:///backups}, or
   *     {@code s3://bucket/prefix?endpoint=...} (see {@link S3Location})
   * @return the store; the caller closes it
   * @throws IllegalArgumentException for a scheme this build has no store for, or an s3:// location that
   *     does not parse, saying why
   */
  public static ArchiveStore open(String location) {
    int colon = location.indexOf(':');
    String scheme = colon > 1 ? location.substring(0, colon).toLowerCase(Locale.ROOT) : "";
    if (scheme.isEmpty() || !location.substring(colon).startsWith("://") && !scheme.equals("file")) {
      return new LocalDirectoryStore(Path.of(location), location);
    }
    switch (scheme) {
      case "file" -> {
        try {
          return new LocalDirectoryStore(Path.of(new URI(location)), location);
        } catch (URISyntaxException | IllegalArgumentException e) {
          throw new IllegalArgumentException("'" + location + "' is not a file URI (file:///path/to/dir)", e);
        }
      }
      case "s3" -> {
        return openS3(location);
      }
      default -> throw new IllegalArgumentException("'" + location + "': unknown store scheme '" + scheme
          + "' (a directory path, file:///dir or s3://bucket/prefix)");
    }
  }

  private static ArchiveStore openS3(String location) {
    try {
      return S3Store.open(location);
    } catch (NoClassDefFoundError e) {
      throw new IllegalArgumentException("'" + location + "': s3:// stores need the AWS SDK on the class path "
          + "(software.amazon.awssdk:s3 and software.amazon.awssdk:url-connection-client, which this library "
          + "declares optional); missing " + e.getMessage(), e);
    }
  }
}
