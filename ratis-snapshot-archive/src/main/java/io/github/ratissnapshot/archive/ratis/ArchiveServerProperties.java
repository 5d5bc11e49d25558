package io.github.ratissnapshot.archive.ratis;

import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.SizeInBytes;

/**
 * Server settings that keep an online restore's memory bounded. A restore sends the archive through the
 * log in entries of a few MiB; by default each Ratis server keeps up to six closed 32 MB segments of entries
 * (and 200 MB) cached in its heap, so a large restore can fill a small heap with chunks that only ever need
 * to be applied once. These settings cap the cache; entries beyond it are read back from disk when a
 * lagging follower needs them. They also make Ratis's own InstallSnapshot send a snapshot in chunks of
 * {@link #SNAPSHOT_CHUNK_SIZE} instead of 16 MB.
 */
public final class ArchiveServerProperties {
  /** The log segment size that goes with the bounded cache. */
  public static final SizeInBytes SEGMENT_SIZE = SizeInBytes.valueOf("8MB");

  /**
   * The chunk size of Ratis's InstallSnapshot used with a bounded log cache. Measured with
   * {@code bench cluster} (1 GiB, one JVM): the install takes 20.8 s in 4 MB chunks against 22.8 to 29 s in
   * Ratis's default 16 MB. It does not make the install fit a small heap: in Ratis 3.3.0 a leader at
   * {@code -Xmx256m} (or {@code -Xmx1g}) ran out of heap in {@code FileChunkReader} after sending about 170 MB
   * (780 MB) of a 1 GiB snapshot, with either size, and started the install over, forever. This project's
   * online restore does not depend on it.
   */
  public static final SizeInBytes SNAPSHOT_CHUNK_SIZE = SizeInBytes.valueOf("4MB");

  private ArchiveServerProperties() {}

  /**
   * Caps each server's cache of log entries at {@code cacheBytes} in at most two closed 8 MB segments, for
   * servers whose heap must stay small while archives of any size are restored, and sends snapshots to
   * servers that need them (InstallSnapshot) in chunks of {@link #SNAPSHOT_CHUNK_SIZE}.
   *
   * @param properties the server properties to change
   * @param cacheBytes the most bytes of log entries cached in the heap, besides the open segment
   */
  public static void boundLogMemory(RaftProperties properties, SizeInBytes cacheBytes) {
    RaftServerConfigKeys.Log.setSegmentSizeMax(properties, SEGMENT_SIZE);
    RaftServerConfigKeys.Log.setSegmentCacheNumMax(properties, 2);
    RaftServerConfigKeys.Log.setSegmentCacheSizeMax(properties, cacheBytes);
    RaftServerConfigKeys.Log.Appender.setSnapshotChunkSizeMax(properties, SNAPSHOT_CHUNK_SIZE);
  }
}
