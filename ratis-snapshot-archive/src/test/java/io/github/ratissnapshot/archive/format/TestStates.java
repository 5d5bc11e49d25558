package io.github.ratissnapshot.archive.format;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.stream.Stream;

/**
 * Deterministic generated state for tests: a stream of {@code size} bytes that looks like key-value
 * records (compresses about 3 to 5 times), produced on the fly so that no test holds a state in memory.
 */
public final class TestStates {
  private static final byte[][] WORDS = Stream.of("alpha---", "bravo---", "charlie-", "delta---",
      "echo----", "foxtrot-", "golf----", "hotel---", "india---", "juliett-", "kilo----", "lima----", "mike----",
      "november", "oscar---", "papa----").map(w -> w.getBytes(StandardCharsets.US_ASCII))
      .toArray(byte[][]::new);

  private TestStates() {}

  /** Returns a stream of {@code size} bytes determined by {@code seed}; the caller closes it. */
  public static InputStream stream(long seed, long size) {
    return new InputStream() {
      private final byte[] record = new byte[64];
      private long produced;
      private int recordPos = record.length;
      private long counter;
      private long rng = seed * 0x9E3779B97F4A7C15L + 1;

      private final byte[] one = new byte[1];

      @Override
      public int read() {
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (produced >= size) {
          return -1;
        }
        int n = (int) Math.min(len, size - produced);
        int done = 0;
        while (done < n) {
          if (recordPos == record.length) {
            nextRecord();
          }
          int c = Math.min(n - done, record.length - recordPos);
          System.arraycopy(record, recordPos, b, off + done, c);
          recordPos += c;
          done += c;
        }
        produced += n;
        return n;
      }

      private void nextRecord() {
        // "key/%010d=" without String.format, which would dominate the cost of a large state.
        record[0] = 'k';
        record[1] = 'e';
        record[2] = 'y';
        record[3] = '/';
        long v = counter++;
        for (int i = 13; i >= 4; i--) {
          record[i] = (byte) ('0' + v % 10);
          v /= 10;
        }
        record[14] = '=';
        int p = 15;
        // A value: 16 random letters, then 4 words of a small vocabulary, as real values repeat themselves.
        for (; p < 31; p++) {
          record[p] = (byte) ('a' + (int) (next() & 15));
        }
        long words = next();
        for (int w = 0; w < 4; w++) {
          System.arraycopy(WORDS[(int) (words >>> (4 * w)) & 15], 0, record, p, 8);
          p += 8;
        }
        record[p] = '\n';
        recordPos = 0;
      }

      private long next() {
        rng ^= rng << 13;
        rng ^= rng >>> 7;
        rng ^= rng << 17;
        return rng >>> 33;
      }
    };
  }

  /** Returns the SHA-256 of {@link #stream(long, long)}, in lowercase hex. */
  public static String sha256Hex(long seed, long size) throws IOException {
    return HexFormat.of().formatHex(sha256(seed, size));
  }

  /** Returns the SHA-256 of {@link #stream(long, long)}. */
  static byte[] sha256(long seed, long size) throws IOException {
    MessageDigest d = Digests.sha256();
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
