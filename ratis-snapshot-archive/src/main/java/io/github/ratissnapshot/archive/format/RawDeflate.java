package io.github.ratissnapshot.archive.format;

import java.util.Arrays;
import java.util.zip.Deflater;

/**
 * Compresses ranges of a state into segments of raw deflate data that join into one deflate stream, the way
 * pigz joins its blocks: each range is compressed with the 32 KiB before it as dictionary and ends with a
 * sync flush, never with a final block. Segments of consecutive ranges, concatenated in order, are the
 * deflate data of the whole state, whatever the ranges' sizes, and compress almost as well as one pass.
 *
 * <p>Stateless and thread-safe.
 */
public final class RawDeflate {
  /** The bytes before a range that its segment may refer back to: deflate's window. */
  public static final int DICTIONARY = 32 * 1024;

  private RawDeflate() {}

  /**
   * Compresses {@code buf[dictionary, dictionary + length)} as one segment, with
   * {@code buf[0, dictionary)} (its last {@link #DICTIONARY} bytes at most) as the bytes just before it.
   *
   * @param buf the bytes before the range, then the range
   * @param dictionary how many bytes of {@code buf} come before the range: 0 at the state's start
   * @param length the range's length
   * @param level the deflate level, 0 to 9
   * @return the segment
   * @throws IllegalArgumentException for a level outside 0 to 9 or a range outside {@code buf}
   */
  public static byte[] segment(byte[] buf, int dictionary, int length, int level) {
    if (level < 0 || level > 9) {
      throw new IllegalArgumentException("deflate level must be 0 to 9, got " + level);
    }
    if (dictionary < 0 || length < 0 || dictionary + length > buf.length) {
      throw new IllegalArgumentException("range " + dictionary + "+" + length + " outside " + buf.length + " bytes");
    }
    Deflater d = new Deflater(level, true);
    try {
      int dict = Math.min(dictionary, DICTIONARY);
      return deflate(d, buf, dictionary - dict, dict, buf, dictionary, length, false);
    } finally {
      d.end();
    }
  }

  /**
   * Compresses {@code input[off, off + len)} with a reset deflater and {@code dict[dictOff, dictOff + dictLen)}
   * as dictionary (none when {@code dictLen} is 0): with a sync flush, or as the stream's final block when
   * {@code last}.
   */
  static byte[] deflate(Deflater d, byte[] dict, int dictOff, int dictLen, byte[] input, int off, int len,
      boolean last) {
    d.reset();
    if (dictLen > 0) {
      d.setDictionary(dict, dictOff, dictLen);
    }
    d.setInput(input, off, len);
    if (last) {
      d.finish();
    }
    byte[] output = new byte[len + (len >> 3) + 64];
    int n = 0;
    while (true) {
      n += d.deflate(output, n, output.length - n, last ? Deflater.NO_FLUSH : Deflater.SYNC_FLUSH);
      boolean done = last ? d.finished() : n < output.length;
      if (done) {
        return Arrays.copyOf(output, n);
      }
      if (n == output.length) {
        output = Arrays.copyOf(output, output.length * 2);
      }
    }
  }
}
