package io.github.ratissnapshot.archive.format;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A state that arrives compressed, in segments made by {@link RawDeflate#segment}, from a source that also
 * vouches for what they inflate to: each segment's plain length and CRC-32, and the SHA-256 of the whole
 * state (a server that hashed its snapshot as it wrote it, say). {@link ArchiveWriter#writeVouched} splices
 * the segments into an archive without inflating them, so nothing here checks the source's word: the archive
 * must be verified once written ({@link ArchiveReader#verifyWritten}), which then checks the state byte by
 * byte against the SHA-256 vouched for.
 *
 * <p>Used by one thread, the one that writes the archive.
 */
public interface VouchedDeflatedState {
  /**
   * One segment and what it inflates to.
   *
   * @param deflated the segment's raw deflate data (read, not kept, by the writer)
   * @param plainLength how many state bytes it inflates to
   * @param crc32 the CRC-32 of those bytes
   */
  record Segment(ByteBuffer deflated, int plainLength, int crc32) {
    /** Checks the length. */
    public Segment {
      if (plainLength < 0) {
        throw new IllegalArgumentException("negative plain length " + plainLength);
      }
    }
  }

  /**
   * Returns the next segment.
   *
   * @return the next segment, or null after the last one
   * @throws IOException if the segment cannot be had; the archive is then abandoned
   */
  Segment nextSegment() throws IOException;

  /**
   * Returns the SHA-256 of the whole state, called once {@link #nextSegment} has returned null.
   *
   * @return the 32 bytes of the digest
   * @throws IOException if the source cannot say; the archive is then abandoned
   */
  byte[] sha256() throws IOException;
}
