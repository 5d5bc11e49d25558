package io.github.ratissnapshot.archive.format;

import io.github.ratissnapshot.archive.format.ArchiveException.Problem;
import java.io.IOException;
import java.io.InputStream;

/**
 * The stream under commons-compress's tar reader, keeping what that reader forgives: it counts every
 * byte, caps what one header phase (headers, PAX records, long names) may consume, and notes any non-zero
 * byte after the end of the last entry's data, so the archive's end can be checked strictly.
 *
 * <p>{@link ArchiveReader} brackets each {@code getNextEntry()} with {@link #beginHeaders()} and
 * {@link #endHeaders(long)}; bytes read outside those brackets are entry data and only counted.
 */
final class TarBoundaryInputStream extends InputStream {
  private final InputStream in;
  private final long headerBudget;
  private final byte[] skipBuffer = new byte[8192];
  private final byte[] one = new byte[1];
  private long position;
  private boolean inHeaders;
  private long headerPhaseStart;
  private long dataEnd;
  private long firstNonZeroAfterData = -1;
  private boolean endOfInput;
  private IOException sourceFailure;

  TarBoundaryInputStream(InputStream in, long headerBudget) {
    this.in = in;
    this.headerBudget = headerBudget;
  }

  /** Starts a header phase: the tar reader is about to look for the next entry. */
  void beginHeaders() {
    inHeaders = true;
    headerPhaseStart = position;
    firstNonZeroAfterData = -1;
  }

  /**
   * Ends a header phase.
   *
   * @param entrySize the size of the entry found, whose data starts here, or -1 at the archive's end
   */
  void endHeaders(long entrySize) {
    inHeaders = false;
    if (entrySize >= 0) {
      dataEnd = position + padded(entrySize);
    }
  }

  /** Returns the offset just past the last entry's data and its padding. */
  long dataEnd() {
    return dataEnd;
  }

  /** Returns the offset of the first non-zero byte read after {@link #dataEnd()} in this phase, or -1. */
  long firstNonZeroAfterData() {
    return firstNonZeroAfterData;
  }

  /** Returns the number of bytes read so far. */
  long position() {
    return position;
  }

  /** Returns whether the underlying stream has reported its end. */
  boolean endOfInput() {
    return endOfInput;
  }

  /** Returns the exception the underlying stream threw, if it did, however the tar reader wrapped it. */
  IOException sourceFailure() {
    return sourceFailure;
  }

  @Override
  public int read() throws IOException {
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n;
    try {
      n = in.read(b, off, len);
    } catch (IOException e) {
      sourceFailure = e;
      throw e;
    }
    if (n < 0) {
      endOfInput = true;
      return n;
    }
    if (inHeaders) {
      if (position + n - headerPhaseStart > headerBudget) {
        throw new ArchiveException(Problem.ENTRY_TOO_LARGE, String.format(
            "tar headers at offset %,d take more than %,d bytes (PAX records or long names)",
            headerPhaseStart, headerBudget));
      }
      if (firstNonZeroAfterData < 0) {
        scan(b, off, n);
      }
    }
    position += n;
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    long skipped = 0;
    while (skipped < n) {
      int r = read(skipBuffer, 0, (int) Math.min(skipBuffer.length, n - skipped));
      if (r < 0) {
        break;
      }
      skipped += r;
    }
    return skipped;
  }

  @Override
  public int available() throws IOException {
    return in.available();
  }

  @Override
  public void close() throws IOException {
    in.close();
  }

  private void scan(byte[] b, int off, int n) {
    for (int i = 0; i < n; i++) {
      long at = position + i;
      if (at >= dataEnd && b[off + i] != 0) {
        firstNonZeroAfterData = at;
        return;
      }
    }
  }

  static long padded(long size) {
    long rem = size % ArchiveLayout.RECORD;
    return rem == 0 ? size : size + ArchiveLayout.RECORD - rem;
  }
}
