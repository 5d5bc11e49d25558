package io.github.ratissnapshot.archive.ratis;

import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.SizeInBytes;

/**
 * Server settings that keep an online restore's memory bounded. A restore sends the archive through the
 * log in entries of a few MiB; by default each Ratis server keeps up to six closed 32 MB segments of entries
 * (and 200 MB) cached in its heap, so a large restore can fill a small heap with chunks that only ever need
 * to be applied once. These settings cap the cache; entries beyond it are read back from disk when a
 * lagging follower needs them.
 */
public final class ArchiveServerProperties {
  /** The log segment size that goes with the bounded cache. */
  public static final SizeInBytes SEGMENT_SIZE = SizeInBytes.valueOf("8MB");

  private ArchiveServerProperties() {}

  /**
   * Caps each server's cache of log entries at {@code cacheBytes} in at most two closed 8 MB segments, for
   * servers whose heap must stay small while archives of any size are restored.
   *
   * @param properties the server properties to change
   * @param cacheBytes the most bytes of log entries cached in the heap, besides the open segment
   */
  public static void boundLogMemory(RaftProperties properties, SizeInBytes cacheBytes) {
    RaftServerConfigKeys.Log.setSegmentSizeMax(properties, SEGMENT_SIZE);
    RaftServerConfigKeys.Log.setSegmentCacheNumMax(properties, 2);
    RaftServerConfigKeys.Log.setSegmentCacheSizeMax(properties, cacheBytes);
  }
}
