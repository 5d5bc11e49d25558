package io.github.ratissnapshot.archive.format;

/**
 * The CRC-32 of two runs of bytes, one after the other, from the CRC-32 of each and the second's length,
 * without the bytes: what zlib's {@code crc32_combine} computes, and what {@link java.util.zip.CRC32} lacks.
 * It lets a gzip member's trailer cover state bytes this process never sees, whose CRC-32 the server that
 * compressed them sent along.
 *
 * <p>Works on the CRC as a polynomial over GF(2) (bit-reflected, as CRC-32 stores it): appending {@code n}
 * bytes to a run multiplies the run's CRC by {@code x^(8n)} modulo the CRC polynomial, and XORs in the CRC
 * of the appended bytes. {@code x^(8n)} is built from the 32 squarings {@code x^(2^k)} in a table, one
 * multiplication per set bit of {@code 8n}. Stateless and thread-safe.
 */
public final class Crc32Combine {
  /** The CRC-32 polynomial, bit-reflected (ISO-HDLC, as gzip and java.util.zip use it). */
  private static final int POLY = 0xedb88320;
  /** {@code x^(2^k)} modulo the polynomial, for k = 0 to 31. */
  private static final int[] X_POW_2K = new int[32];

  static {
    int p = 1 << 30; // x^1, reflected
    X_POW_2K[0] = p;
    for (int k = 1; k < 32; k++) {
      p = multiply(p, p);
      X_POW_2K[k] = p;
    }
  }

  private Crc32Combine() {}

  /**
   * Returns the CRC-32 of the bytes of {@code crc1} followed by those of {@code crc2}.
   *
   * @param crc1 the CRC-32 of the first run (as {@code (int) CRC32.getValue()})
   * @param crc2 the CRC-32 of the second run
   * @param length2 the second run's length in bytes, at least 0
   * @return the CRC-32 of both runs in order
   * @throws IllegalArgumentException if {@code length2} is negative
   */
  public static int combine(int crc1, int crc2, long length2) {
    if (length2 < 0) {
      throw new IllegalArgumentException("negative length " + length2);
    }
    return multiply(xPow8n(length2), crc1) ^ crc2;
  }

  /** Returns {@code x^(8n)} modulo the polynomial. */
  private static int xPow8n(long n) {
    int p = 1 << 31; // x^0
    int k = 3; // 8n = n * 2^3
    for (; n != 0; n >>>= 1, k++) {
      if ((n & 1) != 0) {
        p = multiply(X_POW_2K[k & 31], p);
      }
    }
    return p;
  }

  /** Returns {@code a * b} modulo the polynomial; {@code a} must not be 0. */
  private static int multiply(int a, int b) {
    int product = 0;
    for (int m = 1 << 31; ; m >>>= 1) {
      if ((a & m) != 0) {
        product ^= b;
        if ((a & (m - 1)) == 0) {
          return product;
        }
      }
      b = (b & 1) != 0 ? (b >>> 1) ^ POLY : b >>> 1;
    }
  }
}
