package io.github.ratissnapshot.archive.format;

import java.io.InputStream;
import java.security.MessageDigest;

/**
 * Deterministic generated state for tests: a stream of {@code size} bytes that looks like key-value
 * records (compresses about 3 to 5 times), produced on the fly so that no test holds a state in memory.
 */
final class TestStates {
  private TestStates() {}

  /** Returns a stream of {@code size} bytes determined by {@code seed}. */
  static InputStream stream(long seed, long size) {
    return new InputStream() {
      private final byte[] record = new byte[64];
      private long produced;
      private int recordPos = record.length;
      private long counter;
      private long rng = seed * 0x9E3779B97F4A7C15L + 1;

      @Override
      public int read() {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (produced >= size) {
          return -1;
        }
        int n = (int) Math.min(len, size - produced);
        for (int i = 0; i < n; i++) {
          if (recordPos == record.length) {
            nextRecord();
          }
          b[off + i] = record[recordPos++];
        }
        produced += n;
        return n;
      }

      private void nextRecord() {
        String key = String.format("key/%010d=", counter++);
        int p = 0;
        for (; p < key.length(); p++) {
          record[p] = (byte) key.charAt(p);
        }
        for (; p < record.length - 1; p++) {
          rng ^= rng << 13;
          rng ^= rng >>> 7;
          rng ^= rng << 17;
          record[p] = (byte) ('a' + (int) ((rng >>> 33) & 15));
        }
        record[p] = '\n';
        recordPos = 0;
      }
    };
  }

  /** Returns the SHA-256 of {@link #stream(long, long)}. */
  static byte[] sha256(long seed, long size) throws java.io.IOException {
    MessageDigest d = Sha256.newDigest();
    try (InputStream in = stream(seed, size)) {
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = in.read(buf)) > 0) {
        d.update(buf, 0, n);
      }
    }
    return d.digest();
  }
}
