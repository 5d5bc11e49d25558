package io.github.ratissnapshot.archive.store;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Where an S3 store lives, as a user writes it:
 * {@code s3://bucket[/prefix][?endpoint=http://host:9000&region=us-east-1&path-style=true&part-size=16MiB
 * &concurrency=4&stale-uploads=1h&profile=NAME]}. Without {@code endpoint} the store is AWS S3 in {@code region}
 * (default: {@code AWS_REGION}, else {@code us-east-1}); with one, an S3-compatible server (MinIO, Ceph,
 * Garage, s3proxy), addressed path-style unless {@code path-style=false}. Credentials are never part of the
 * location: the SDK's default chain reads them ({@code AWS_ACCESS_KEY_ID}/{@code AWS_SECRET_ACCESS_KEY},
 * {@code AWS_PROFILE}, web identity, instance and container roles), or {@code profile=NAME} names a profile
 * of the shared credentials and config files.
 *
 * @param bucket the bucket
 * @param prefix the key prefix, without leading or trailing {@code /}; empty for the bucket's root
 * @param endpoint the S3-compatible endpoint, or null for AWS
 * @param region the signing region
 * @param pathStyle whether to address the bucket in the path rather than the host name
 * @param partSize the multipart part size in bytes (at least 5 MiB, S3's minimum); archives up to it go in
 *     one request
 * @param concurrency how many parts are in flight at once (each streams from the file; none is buffered), and
 *     how many objects' metadata a listing reads at once
 * @param staleUploads how old an unfinished multipart upload under a group must be before
 *     {@link ArchiveStore#cleanUp} aborts it
 * @param profile the credentials profile to use, or null for the SDK's default chain
 */
public record S3Location(String bucket, String prefix, URI endpoint, String region, boolean pathStyle,
    long partSize, int concurrency, Duration staleUploads, String profile) {
  /** S3's smallest part (all but the last). */
  public static final long MIN_PART_SIZE = 5L << 20;
  /** S3's largest number of parts. */
  public static final int MAX_PARTS = 10_000;

  private static final Set<String> OPTIONS =
      Set.of("endpoint", "region", "path-style", "part-size", "concurrency", "stale-uploads", "profile");

  /** Validates. */
  public S3Location {
    Objects.requireNonNull(bucket, "bucket");
    Objects.requireNonNull(prefix, "prefix");
    Objects.requireNonNull(region, "region");
    Objects.requireNonNull(staleUploads, "staleUploads");
    if (partSize < MIN_PART_SIZE) {
      throw new IllegalArgumentException("part-size " + partSize + " is below S3's minimum of 5 MiB");
    }
    if (concurrency < 1 || concurrency > 64) {
      throw new IllegalArgumentException("concurrency " + concurrency + " is not within 1..64");
    }
  }

  /**
   * Parses a location.
   *
   * @param location {@code s3://bucket[/prefix][?option=value&...]}
   * @return the location
   * @throws IllegalArgumentException naming what is wrong: not an s3 URI, no bucket, an unknown option, a
   *     value that does not parse
   */
  public static S3Location parse(String location) {
    URI uri;
    try {
      uri = new URI(location);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("'" + location + "' is not a URI: " + e.getMessage(), e);
    }
    if (!"s3".equalsIgnoreCase(uri.getScheme())) {
      throw new IllegalArgumentException("'" + location + "' is not an s3:// location");
    }
    String bucket = uri.getAuthority();
    if (bucket == null || bucket.isEmpty()) {
      throw new IllegalArgumentException("'" + location + "' names no bucket (s3://bucket/prefix)");
    }
    String path = uri.getPath() == null ? "" : uri.getPath();
    String prefix = path.replaceAll("^/+", "").replaceAll("/+$", "");
    Map<String, String> options = options(location, uri.getRawQuery());
    URI endpoint = null;
    if (options.containsKey("endpoint")) {
      try {
        endpoint = new URI(options.get("endpoint"));
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException("'" + location + "': endpoint is not a URI: " + e.getMessage(), e);
      }
      if (endpoint.getScheme() == null || endpoint.getHost() == null
          || !Set.of("http", "https").contains(endpoint.getScheme().toLowerCase(Locale.ROOT))) {
        throw new IllegalArgumentException("'" + location + "': endpoint '" + endpoint
            + "' is not http(s)://host[:port]");
      }
    }
    String envRegion = System.getenv("AWS_REGION");
    String region = options.getOrDefault("region", envRegion != null && !envRegion.isBlank() ? envRegion
        : "us-east-1");
    boolean pathStyle = endpoint != null;
    if (options.containsKey("path-style")) {
      String v = options.get("path-style");
      if (!v.equals("true") && !v.equals("false")) {
        throw new IllegalArgumentException("'" + location + "': path-style must be true or false, not '" + v + "'");
      }
      pathStyle = Boolean.parseBoolean(v);
    }
    long partSize = options.containsKey("part-size") ? size(location, options.get("part-size")) : 16L << 20;
    int concurrency = 4;
    if (options.containsKey("concurrency")) {
      try {
        concurrency = Integer.parseInt(options.get("concurrency"));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("'" + location + "': concurrency is not a number: '"
            + options.get("concurrency") + "'", e);
      }
    }
    Duration stale = Duration.ofHours(1);
    if (options.containsKey("stale-uploads")) {
      String v = options.get("stale-uploads");
      try {
        stale = Duration.parse("PT" + v.toUpperCase(Locale.ROOT));
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException("'" + location + "': stale-uploads is not a duration like 0s, "
            + "30m or 1h: '" + v + "'", e);
      }
    }
    try {
      String profile = options.get("profile");
      if (profile != null && profile.isBlank()) {
        throw new IllegalArgumentException("profile names no profile");
      }
      return new S3Location(bucket, prefix, endpoint, region, pathStyle, partSize, concurrency, stale, profile);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("'" + location + "': " + e.getMessage(), e);
    }
  }

  /** Returns the key of an archive: the prefix, then {@link ArchiveName#key()}. */
  public String keyOf(ArchiveName name) {
    return groupPrefix(name.group()) + name.fileName();
  }

  /** Returns the key prefix of one group's archives, ending in {@code /}. */
  public String groupPrefix(java.util.UUID group) {
    return rootPrefix() + group + "/";
  }

  /** Returns the key prefix under which the groups lie: empty, or the prefix and {@code /}. */
  public String rootPrefix() {
    return prefix.isEmpty() ? "" : prefix + "/";
  }

  /** Returns {@code s3://bucket/key}, for messages. */
  public String url(String key) {
    return "s3://" + bucket + "/" + key;
  }

  private static Map<String, String> options(String location, String rawQuery) {
    Map<String, String> m = new LinkedHashMap<>();
    if (rawQuery == null || rawQuery.isEmpty()) {
      return m;
    }
    for (String pair : rawQuery.split("&")) {
      int eq = pair.indexOf('=');
      String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      if (!OPTIONS.contains(k)) {
        throw new IllegalArgumentException("'" + location + "': unknown option '" + k + "' (known: "
            + String.join(", ", OPTIONS.stream().sorted().toList()) + ")");
      }
      m.put(k, v);
    }
    return m;
  }

  private static long size(String location, String v) {
    String s = v.trim();
    long unit = 1;
    String lower = s.toLowerCase(Locale.ROOT);
    for (String[] u : new String[][] {{"gib", "1073741824"}, {"mib", "1048576"}, {"kib", "1024"}}) {
      if (lower.endsWith(u[0])) {
        unit = Long.parseLong(u[1]);
        s = s.substring(0, s.length() - 3);
        break;
      }
    }
    try {
      return Math.multiplyExact(Long.parseLong(s.trim()), unit);
    } catch (NumberFormatException | ArithmeticException e) {
      throw new IllegalArgumentException("'" + location + "': part-size is not a size like 16MiB: '" + v + "'", e);
    }
  }
}
