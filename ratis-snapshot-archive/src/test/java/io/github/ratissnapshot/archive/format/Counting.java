package io.github.ratissnapshot.archive.format;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;

/** Streams that count the bytes through them, for asserting how much a reader consumed or produced. */
final class Counting {
  private Counting() {}

  /** Counts the bytes read through it. */
  static final class Input extends FilterInputStream {
    private long count;

    Input(InputStream in) {
      super(in);
    }

    long count() {
      return count;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        count++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        count += n;
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      long s = super.skip(n);
      count += s;
      return s;
    }
  }

  /** Discards what it is given and counts it. */
  static final class Sink extends OutputStream {
    private long count;

    long count() {
      return count;
    }

    @Override
    public void write(int b) {
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      count += len;
    }
  }

  /** Returns a stream of {@code size} copies of {@code value}, generated as read. */
  static InputStream repeat(int value, long size) {
    return new InputStream() {
      private long left = size;

      @Override
      public int read() {
        if (left <= 0) {
          return -1;
        }
        left--;
        return value & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (left <= 0) {
          return -1;
        }
        int n = (int) Math.min(len, left);
        Arrays.fill(b, off, off + n, (byte) value);
        left -= n;
        return n;
      }
    };
  }
}
