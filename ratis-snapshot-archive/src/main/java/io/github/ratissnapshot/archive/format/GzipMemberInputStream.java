package io.github.ratissnapshot.archive.format;

import io.github.ratissnapshot.archive.format.ArchiveException.Problem;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Decompresses exactly one gzip member (RFC 1952) and insists that nothing follows it.
 *
 * <p>{@link java.util.zip.GZIPInputStream} reads concatenated members as one stream and silently ignores
 * trailing bytes that do not look like a gzip header; a snapshot archive is one member with nothing after
 * its trailer, as Consul's reader requires. Every fault is an {@link ArchiveException} carrying the values
 * involved. The trailer (CRC-32 and ISIZE) and the absence of trailing bytes are checked when the
 * decompressed data is read to its end: callers must read to {@code -1} before they trust the data.
 *
 * <p>Not thread-safe. {@link #close()} frees the inflater; it does not close the underlying stream, which
 * the caller owns.
 */
final class GzipMemberInputStream extends InputStream {
  private static final int FHCRC = 2;
  private static final int FEXTRA = 4;
  private static final int FNAME = 8;
  private static final int FCOMMENT = 16;
  private static final int TRAILING_COUNT_LIMIT = 1 << 20;

  private final InputStream in;
  private final Inflater inflater = new Inflater(true);
  private final CRC32 crc = new CRC32();
  private final byte[] buf;
  private final byte[] one = new byte[1];
  private int pos;
  private int limit;
  private long compressedRead;
  private long decompressed;
  private boolean headerRead;
  private boolean done;
  private boolean closed;

  /**
   * Wraps a raw gzip stream.
   *
   * @param in the compressed bytes; not closed by this stream
   * @param bufferSize the size of the compressed-input buffer
   */
  GzipMemberInputStream(InputStream in, int bufferSize) {
    this.in = in;
    this.buf = new byte[bufferSize];
  }

  /** Returns the number of decompressed bytes returned so far. */
  long decompressedBytes() {
    return decompressed;
  }

  @Override
  public int read() throws IOException {
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (closed) {
      throw new IOException("stream closed");
    }
    if (!headerRead) {
      readHeader();
      headerRead = true;
    }
    if (len == 0) {
      return 0;
    }
    while (!done) {
      int n;
      try {
        n = inflater.inflate(b, off, len);
      } catch (DataFormatException e) {
        throw new ArchiveException(Problem.BAD_COMPRESSED_DATA, "invalid deflate data near compressed byte "
            + String.format("%,d", compressedRead - inflater.getRemaining()) + ": " + e.getMessage(), e);
      }
      if (n > 0) {
        crc.update(b, off, n);
        decompressed += n;
        return n;
      }
      if (inflater.finished()) {
        pos = limit - inflater.getRemaining();
        readTrailer();
        done = true;
      } else if (inflater.needsDictionary()) {
        throw new ArchiveException(Problem.BAD_COMPRESSED_DATA,
            "invalid deflate data: a raw deflate stream asks for a preset dictionary");
      } else if (inflater.needsInput()) {
        if (pos == limit && !fill()) {
          throw new ArchiveException(Problem.TRUNCATED, String.format(
              "truncated gzip stream: it ends after %,d compressed bytes, inside the deflate data",
              compressedRead));
        }
        inflater.setInput(buf, pos, limit - pos);
        pos = limit;
      }
    }
    return -1;
  }

  @Override
  public void close() throws IOException {
    if (!closed) {
      closed = true;
      inflater.end();
    }
  }

  private void readHeader() throws IOException {
    int id1 = headerByte(true);
    int id2 = headerByte(true);
    if (id1 != 0x1f || id2 != 0x8b) {
      throw new ArchiveException(Problem.NOT_GZIP,
          String.format("not a gzip stream: it starts with 0x%02x%02x, not 0x1f8b", id1, id2));
    }
    CRC32 headerCrc = new CRC32();
    headerCrc.update(id1);
    headerCrc.update(id2);
    int method = headerByte(headerCrc);
    if (method != 8) {
      throw new ArchiveException(Problem.NOT_GZIP,
          "unsupported gzip compression method " + method + " (only 8, deflate)");
    }
    int flags = headerByte(headerCrc);
    if ((flags & 0xe0) != 0) {
      throw new ArchiveException(Problem.NOT_GZIP,
          String.format("unsupported gzip header: reserved flag bits set (FLG 0x%02x)", flags));
    }
    for (int i = 0; i < 6; i++) { // MTIME, XFL, OS
      headerByte(headerCrc);
    }
    if ((flags & FEXTRA) != 0) {
      int xlen = headerByte(headerCrc) | headerByte(headerCrc) << 8;
      for (int i = 0; i < xlen; i++) {
        headerByte(headerCrc);
      }
    }
    if ((flags & FNAME) != 0) {
      while (headerByte(headerCrc) != 0) {
        // skip the zero-terminated file name
      }
    }
    if ((flags & FCOMMENT) != 0) {
      while (headerByte(headerCrc) != 0) {
        // skip the zero-terminated comment
      }
    }
    if ((flags & FHCRC) != 0) {
      int expected = headerByte(false) | headerByte(false) << 8;
      int actual = (int) headerCrc.getValue() & 0xffff;
      if (expected != actual) {
        throw new ArchiveException(Problem.NOT_GZIP,
            String.format("gzip header CRC: actual 0x%04x != expected 0x%04x", actual, expected));
      }
    }
  }

  private int headerByte(CRC32 headerCrc) throws IOException {
    int b = headerByte(false);
    headerCrc.update(b);
    return b;
  }

  private int headerByte(boolean atStart) throws IOException {
    if (pos == limit && !fill()) {
      if (atStart && compressedRead == 0) {
        throw new ArchiveException(Problem.NOT_GZIP, "not a gzip stream: the input is empty");
      }
      throw new ArchiveException(Problem.TRUNCATED, String.format(
          "truncated gzip stream: it ends after %,d bytes, inside the gzip header", compressedRead));
    }
    return buf[pos++] & 0xff;
  }

  private void readTrailer() throws IOException {
    long expectedCrc = trailerInt();
    long expectedSize = trailerInt();
    long actualCrc = crc.getValue();
    if (expectedCrc != actualCrc) {
      throw new ArchiveException(Problem.GZIP_CRC,
          String.format("gzip CRC-32: actual 0x%08x != expected 0x%08x", actualCrc, expectedCrc));
    }
    long actualSize = decompressed & 0xffffffffL;
    if (expectedSize != actualSize) {
      throw new ArchiveException(Problem.GZIP_SIZE, String.format(
          "gzip ISIZE: actual %,d != expected %,d (decompressed bytes modulo 2^32)", actualSize, expectedSize));
    }
    checkNothingFollows();
  }

  private long trailerInt() throws IOException {
    long v = 0;
    for (int i = 0; i < 4; i++) {
      if (pos == limit && !fill()) {
        throw new ArchiveException(Problem.TRUNCATED, String.format(
            "truncated gzip stream: it ends after %,d bytes, inside the gzip trailer", compressedRead));
      }
      v |= (long) (buf[pos++] & 0xff) << (8 * i);
    }
    return v;
  }

  private void checkNothingFollows() throws IOException {
    long extra = limit - pos;
    if (extra == 0 && fill()) {
      extra = limit - pos;
    }
    if (extra == 0) {
      return;
    }
    int first = buf[pos] & 0xff;
    int second = extra >= 2 ? buf[pos + 1] & 0xff : -1; // a slow stream may hand over one byte at a time
    pos = limit;
    while (extra < TRAILING_COUNT_LIMIT && fill()) {
      if (second < 0) {
        second = buf[pos] & 0xff;
      }
      extra += limit - pos;
      pos = limit;
    }
    boolean secondMember = first == 0x1f && second == 0x8b;
    String count = extra >= TRAILING_COUNT_LIMIT ? String.format("at least %,d", extra) : String.format("%,d", extra);
    throw new ArchiveException(Problem.TRAILING_DATA, secondMember
        ? "a second gzip member follows the first (" + count + " more bytes): an archive is one member"
        : count + " bytes follow the gzip trailer");
  }

  /** Refills the buffer; returns false at the end of the input. */
  private boolean fill() throws IOException {
    int n;
    do {
      n = in.read(buf, 0, buf.length);
    } while (n == 0);
    if (n < 0) {
      pos = limit = 0;
      return false;
    }
    pos = 0;
    limit = n;
    compressedRead += n;
    return true;
  }
}
