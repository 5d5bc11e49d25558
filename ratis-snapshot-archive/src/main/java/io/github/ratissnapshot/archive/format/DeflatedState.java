package io.github.ratissnapshot.archive.format;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A state that arrives already compressed: the raw deflate data of the state's bytes, in segments made by
 * {@link RawDeflate#segment}, in order. {@link ArchiveWriter#write(java.io.OutputStream, SnapshotMeta,
 * DeflatedState)} splices the segments into an archive's gzip member as they are, and inflates them on the
 * way to hash the state, so a state compressed elsewhere (on the server that holds it) is still checked byte
 * by byte before its archive counts as written.
 *
 * <p>Used by one thread, the one that writes the archive.
 */
public interface DeflatedState {
  /**
   * Returns the next segment.
   *
   * @return the next segment's bytes (read, not kept, by the writer), or null after the last one; when it
   *     returns null every earlier segment has been inflated and passed to {@link #inflated}
   * @throws IOException if the segment cannot be had; the archive is then abandoned
   */
  ByteBuffer nextSegment() throws IOException;

  /**
   * Is told each run of state bytes as the writer inflates them, in order: for a digest or progress.
   *
   * @param b the bytes; valid only during the call
   * @param off where they start
   * @param len how many
   * @throws IOException to abandon the archive
   */
  default void inflated(byte[] b, int off, int len) throws IOException {}
}
