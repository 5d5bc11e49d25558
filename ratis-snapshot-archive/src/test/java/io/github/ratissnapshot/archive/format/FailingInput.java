package io.github.ratissnapshot.archive.format;

import java.io.IOException;
import java.io.InputStream;

/** Delivers the first {@code good} bytes of {@code data}, then fails as a broken disk or socket does. */
final class FailingInput extends InputStream {
  private final byte[] data;
  private final int good;
  private int pos;

  FailingInput(byte[] data, int good) {
    this.data = data;
    this.good = good;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (pos >= good) {
      throw new IOException("Input/output error");
    }
    int n = Math.min(len, good - pos);
    System.arraycopy(data, pos, b, off, n);
    pos += n;
    return n;
  }
}
