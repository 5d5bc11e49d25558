package io.github.ratissnapshot.archive.format;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/** Hands out at most {@code max} bytes per read, as a slow socket or pipe does. */
final class Trickle extends FilterInputStream {
  private final int max;

  Trickle(InputStream in, int max) {
    super(in);
    this.max = max;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    return super.read(b, off, Math.min(len, max));
  }

  @Override
  public long skip(long n) throws IOException {
    return super.skip(Math.min(n, max));
  }
}
