package io.github.ratissnapshot.archive.format;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * One gzip member of a tar stream whose middle arrives compressed from elsewhere: the bytes written before
 * {@link #startSplice} (the tar headers before the state) are compressed here and end with a sync flush; then
 * the next {@code size} bytes written are only counted into the member's CRC-32 and length, because their
 * compressed form is passed in with {@link #splice}; what is written after them (the rest of the tar) is
 * compressed here as the member's final block by {@link #finish}.
 *
 * <p>Not thread-safe. Never closes the target stream.
 */
final class SplicedGzipOutputStream extends OutputStream {
  private final OutputStream out;
  private final int level;
  private final CRC32 crc = new CRC32();
  private final ByteArrayOutputStream plain = new ByteArrayOutputStream();
  private final byte[] one = new byte[1];
  private long total;
  private long spliced = -1;
  private boolean finished;

  SplicedGzipOutputStream(OutputStream out, int level) {
    this.out = out;
    this.level = level;
  }

  @Override
  public void write(int b) throws IOException {
    one[0] = (byte) b;
    write(one, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    if (finished) {
      throw new IOException("gzip member already finished");
    }
    crc.update(b, off, len);
    total += len;
    long skip = spliced < 0 ? 0 : Math.min(len, spliced);
    spliced -= skip;
    plain.write(b, off + (int) skip, len - (int) skip);
  }

  /**
   * Writes the gzip header and the bytes written so far, compressed, and treats the next {@code size} bytes
   * written as the plain form of what {@link #splice} passes in.
   *
   * @param size the spliced part's plain length
   * @throws IOException if writing to the target fails
   */
  void startSplice(long size) throws IOException {
    if (spliced >= 0) {
      throw new IllegalStateException("already splicing");
    }
    out.write(BlockGzipOutputStream.header(level));
    out.write(compress(false));
    spliced = size;
  }

  /**
   * Writes compressed bytes as they are: a part of the deflate data whose plain bytes are written to this
   * stream too, in order.
   */
  void splice(byte[] b, int off, int len) throws IOException {
    if (spliced < 0 || finished) {
      throw new IllegalStateException("not splicing");
    }
    out.write(b, off, len);
  }

  /**
   * Compresses what was written after the spliced part as the final block and writes the gzip trailer, after
   * checking with {@code splicedSoFar} (the inflater that inflated the spliced part) that the block continues
   * it: that it inflates to exactly what was written and ends the deflate stream there.
   *
   * @throws CorruptArchiveException if it does not: the spliced part ended inside a block
   */
  void finish(Inflater splicedSoFar) throws IOException {
    if (finished) {
      return;
    }
    if (spliced != 0) {
      throw new IllegalStateException(spliced < 0 ? "nothing spliced" : spliced + " spliced bytes not written");
    }
    byte[] tail = plain.toByteArray();
    byte[] compressed = compress(true);
    byte[] check = new byte[tail.length + 1];
    int n = 0;
    splicedSoFar.setInput(compressed);
    try {
      while (n < check.length && !splicedSoFar.finished()) {
        int k = splicedSoFar.inflate(check, n, check.length - n);
        if (k == 0 && (splicedSoFar.needsInput() || splicedSoFar.needsDictionary())) {
          break;
        }
        n += k;
      }
    } catch (DataFormatException e) {
      n = -1;
    }
    if (n != tail.length || !splicedSoFar.finished() || splicedSoFar.getRemaining() != 0
        || !Arrays.equals(check, 0, n, tail, 0, tail.length)) {
      throw new CorruptArchiveException(ArchiveException.Problem.BAD_COMPRESSED_DATA, ArchiveLayout.STATE,
          "the compressed state's last segment does not end at a block boundary");
    }
    out.write(compressed);
    out.write(BlockGzipOutputStream.trailer(crc, total));
    finished = true;
  }

  private byte[] compress(boolean last) {
    byte[] input = plain.toByteArray();
    plain.reset();
    Deflater d = new Deflater(level, true);
    try {
      return RawDeflate.deflate(d, null, 0, 0, input, 0, input.length, last);
    } finally {
      d.end();
    }
  }
}
