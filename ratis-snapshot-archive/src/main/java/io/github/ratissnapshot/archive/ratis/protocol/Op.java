package io.github.ratissnapshot.archive.ratis.protocol;

import java.util.UUID;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * A decoded archive message: a log entry of the online-restore protocol, or a read-only query.
 * {@link ArchiveProtocol#decode} makes them; {@link ArchiveProtocol} encodes each.
 */
public sealed interface Op {
  /** Returns whether the operation belongs in the log (a write) rather than in a query. */
  boolean isLogEntry();

  /**
   * Opens a restore of an archive of {@code archiveBytes}, with its {@code meta.json} as the client read it.
   *
   * @param id the restore
   * @param archiveBytes the archive's size
   * @param metaJson the archive's {@code meta.json}, or empty when the client did not read it
   */
  record Begin(UUID id, long archiveBytes, byte[] metaJson) implements Op {
    @Override
    public boolean isLogEntry() {
      return true;
    }
  }

  /**
   * One piece of the archive, in order; a piece sent again (its sequence number is below the next one
   * expected) is ignored. The payload is a view of the log entry, not a copy.
   *
   * @param id the restore
   * @param seq the chunk's number, from 0
   * @param payload the archive bytes
   */
  record Chunk(UUID id, long seq, ByteString payload) implements Op {
    @Override
    public boolean isLogEntry() {
      return true;
    }
  }

  /**
   * Completes a restore after {@code chunks} chunks whose bytes have this SHA-256, provided the group's
   * configuration in force at this entry is {@code membership} (a {@link Membership#canonical()}).
   *
   * @param id the restore
   * @param chunks how many chunks the client sent
   * @param archiveSha256 the SHA-256 of the archive bytes sent
   * @param membership the membership the client counted before committing
   */
  record Commit(UUID id, long chunks, byte[] archiveSha256, String membership) implements Op {
    @Override
    public boolean isLogEntry() {
      return true;
    }
  }

  /**
   * Abandons a restore, or whatever restore is open when {@code id} is {@link ArchiveProtocol#ANY_RESTORE}.
   *
   * @param id the restore
   */
  record Abort(UUID id) implements Op {
    @Override
    public boolean isLogEntry() {
      return true;
    }
  }

  /**
   * Takes, renews or (with a zero {@code ttlMillis}) releases the group's archiving lease, which lets one of
   * several backup agents archive the group at a time. Granted when nobody holds it, when {@code holder}
   * does, or when the holder's lease expired before {@code requestedAtMillis}; every replica decides alike,
   * from the entry alone.
   *
   * @param holder who asks
   * @param requestedAtMillis the asker's clock when it asked (epoch milliseconds)
   * @param ttlMillis how long the lease lasts from then; 0 releases it
   */
  record Lease(String holder, long requestedAtMillis, long ttlMillis) implements Op {
    @Override
    public boolean isLogEntry() {
      return true;
    }
  }

  /**
   * Asks the named server to pin its latest snapshot file for reading.
   *
   * @param serverId the server meant
   */
  record Pin(String serverId) implements Op {
    @Override
    public boolean isLogEntry() {
      return false;
    }
  }

  /**
   * Reads a range of a pinned snapshot file.
   *
   * @param pinId the pin
   * @param offset where to start
   * @param length how many bytes at most
   */
  record Read(UUID pinId, long offset, int length) implements Op {
    @Override
    public boolean isLogEntry() {
      return false;
    }
  }

  /**
   * Reads a range of a pinned snapshot file compressed: raw deflate data with the 32 KiB before
   * {@code offset} as dictionary, ending with a sync flush ({@code RawDeflate.segment}). Servers that say so in
   * their {@code PIN} reply answer it.
   *
   * @param pinId the pin
   * @param offset where to start
   * @param length how many state bytes at most
   * @param level the deflate level, 0 to 9
   * @param withCrc whether the reply starts with the CRC-32 of the range's bytes (4 bytes, big-endian), for a
   *     client that splices the segment without inflating it; only servers whose {@code PIN} reply carries a
   *     SHA-256 answer it
   */
  record Deflate(UUID pinId, long offset, int length, int level, boolean withCrc) implements Op {
    @Override
    public boolean isLogEntry() {
      return false;
    }
  }

  /**
   * Releases a pin.
   *
   * @param pinId the pin
   */
  record Release(UUID pinId) implements Op {
    @Override
    public boolean isLogEntry() {
      return false;
    }
  }

  /**
   * Asks one server how far it has staged restore {@code id}.
   *
   * @param id the restore
   */
  record Status(UUID id) implements Op {
    @Override
    public boolean isLogEntry() {
      return false;
    }
  }

  /** Asks one server what its archive side holds: open and last restore, latest snapshot. */
  record Info() implements Op {
    @Override
    public boolean isLogEntry() {
      return false;
    }
  }
}
