package io.github.ratissnapshot.archive.format;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
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
 * <p>Or, vouched ({@link #spliceVouched}): the compressed part comes with its plain length and CRC-32, which
 * go into the trailer by {@link Crc32Combine}; the {@code size} bytes written in its place are only counted
 * (any bytes will do), and {@link #finishVouched} cannot check that the part ends where a block may start.
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
  private long splicedSize = -1;
  /** Vouched: the plain bytes spliced so far (-1 if not vouched), their CRC with what came before, then the tail's. */
  private long vouched = -1;
  private int vouchedCrc;
  private final CRC32 tailCrc = new CRC32();
  private long tailLength;
  private byte[] scratch = new byte[0];
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
    total += len;
    long skip = spliced < 0 ? 0 : Math.min(len, spliced);
    spliced -= skip;
    if (vouched < 0) {
      crc.update(b, off, len);
    } else if (skip < len) {
      // After a vouched part: its bytes are in vouchedCrc already, the tail gets a CRC of its own.
      tailCrc.update(b, off + (int) skip, len - (int) skip);
      tailLength += len - skip;
    }
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
    splicedSize = size;
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
   * Writes compressed bytes as they are, vouched for: they inflate to {@code plainLength} bytes whose CRC-32
   * is {@code crc32}. Those bytes are not written to this stream by anyone who has them; the caller writes
   * {@code plainLength} bytes of anything in their place (to keep the tar's count), which are only counted.
   * Every part of one splice must be vouched, or none.
   */
  void spliceVouched(ByteBuffer deflated, int plainLength, int crc32) throws IOException {
    if (finished) {
      throw new IllegalStateException("gzip member already finished");
    }
    if (vouched < 0) {
      if (spliced < 0 || spliced != splicedSize) {
        throw new IllegalStateException("not at the start of a splice");
      }
      vouched = 0;
      vouchedCrc = (int) crc.getValue();
    }
    if (vouched + plainLength > splicedSize) {
      throw StateSizeException.inflatesToMore(splicedSize);
    }
    if (deflated.hasArray()) {
      out.write(deflated.array(), deflated.arrayOffset() + deflated.position(), deflated.remaining());
    } else {
      int n = deflated.remaining();
      if (scratch.length < n) {
        scratch = new byte[n];
      }
      deflated.get(scratch, 0, n);
      out.write(scratch, 0, n);
    }
    vouchedCrc = Crc32Combine.combine(vouchedCrc, crc32, plainLength);
    vouched += plainLength;
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
    checkSpliced();
    if (vouched >= 0) {
      throw new IllegalStateException("the splice was vouched for: finishVouched()");
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

  /**
   * Compresses what was written after a vouched splice as the final block and writes the gzip trailer, with
   * the CRC-32 made of the vouched ones. Nothing checks that the spliced part ended where a block may start:
   * the archive must be verified once written.
   *
   * @throws StateSizeException if the vouched parts inflate to fewer bytes than the splice's size
   */
  void finishVouched() throws IOException {
    if (finished) {
      return;
    }
    checkSpliced();
    checkVouched();
    out.write(compress(true));
    long value = vouched < 0 ? crc.getValue() // an empty state: no part, every byte went into crc
        : Crc32Combine.combine(vouchedCrc, (int) tailCrc.getValue(), tailLength) & 0xffffffffL;
    out.write(BlockGzipOutputStream.trailer(value, total));
    finished = true;
  }

  /**
   * Checks, after the last vouched part, that the parts inflate to the splice's size.
   *
   * @throws StateSizeException if they inflate to fewer bytes
   */
  void checkVouched() throws StateSizeException {
    if (Math.max(vouched, 0) != splicedSize) {
      throw StateSizeException.inflatesTo(Math.max(vouched, 0), splicedSize);
    }
  }

  private void checkSpliced() {
    if (spliced != 0) {
      throw new IllegalStateException(spliced < 0 ? "nothing spliced" : spliced + " spliced bytes not written");
    }
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
