package io.github.ratissnapshot.archive.format;

import java.io.IOException;
import java.io.InputStream;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * A real gzip member of {@code source}, compressed only as far as it is read: a reader that stops early
 * never makes this compress (or the source generate) the rest. Read to its end, it is an ordinary gzip
 * file of the whole source. Used for decompression bombs that would take long to build whole.
 */
final class GzipOnDemand extends InputStream {
  private static final byte[] HEADER = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff};

  private final InputStream source;
  private final Deflater deflater;
  private final CRC32 crc = new CRC32();
  private final byte[] input = new byte[64 * 1024];
  private byte[] output = HEADER.clone();
  private int pos;
  private int limit = HEADER.length;
  private long sourceBytes;
  private boolean trailerWritten;

  GzipOnDemand(InputStream source, int level) {
    this.source = source;
    this.deflater = new Deflater(level, true);
  }

  /** Returns how many bytes of the source were consumed so far. */
  long sourceBytes() {
    return sourceBytes;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    while (pos == limit) {
      if (!produce()) {
        return -1;
      }
    }
    int n = Math.min(len, limit - pos);
    System.arraycopy(output, pos, b, off, n);
    pos += n;
    return n;
  }

  @Override
  public void close() throws IOException {
    deflater.end();
    source.close();
  }

  private boolean produce() throws IOException {
    if (deflater.finished()) {
      if (trailerWritten) {
        return false;
      }
      trailerWritten = true;
      output = new byte[8];
      putIntLe(output, 0, crc.getValue());
      putIntLe(output, 4, sourceBytes);
      pos = 0;
      limit = 8;
      return true;
    }
    if (deflater.needsInput()) {
      int n = source.read(input);
      if (n < 0) {
        deflater.finish();
      } else {
        crc.update(input, 0, n);
        sourceBytes += n;
        deflater.setInput(input, 0, n);
      }
    }
    if (output.length < 64 * 1024) {
      output = new byte[64 * 1024];
    }
    pos = 0;
    limit = deflater.deflate(output);
    return true;
  }

  private static void putIntLe(byte[] b, int off, long v) {
    for (int i = 0; i < 4; i++) {
      b[off + i] = (byte) (v >>> (8 * i));
    }
  }
}
