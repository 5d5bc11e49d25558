package io.github.ratissnapshot.examples;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.UnaryOperator;

/** Ways to damage a valid archive file, each named for what it does to the bytes. */
enum Corruption {
  /** The first half only, as a copy that was cut short. */
  TRUNCATED(valid -> Arrays.copyOf(valid, valid.length / 2)),
  /** One bit flipped in the middle of the compressed stream. */
  BIT_FLIPPED_IN_THE_MIDDLE(valid -> {
    byte[] b = valid.clone();
    b[b.length / 2] ^= 0x10;
    return b;
  }),
  /** Bytes after the gzip trailer. */
  TRAILING_GARBAGE(valid -> {
    byte[] garbage = "garbage\n".getBytes(StandardCharsets.US_ASCII);
    byte[] b = Arrays.copyOf(valid, valid.length + garbage.length);
    System.arraycopy(garbage, 0, b, valid.length, garbage.length);
    return b;
  }),
  /** A text file, not gzip at all. */
  NOT_GZIP(valid -> "this is not a snapshot archive\n".getBytes(StandardCharsets.US_ASCII)),
  /** Zero bytes. */
  EMPTY(valid -> new byte[0]);

  private final UnaryOperator<byte[]> damage;

  Corruption(UnaryOperator<byte[]> damage) {
    this.damage = damage;
  }

  /** Returns the damaged copy of a valid archive's bytes. */
  byte[] apply(byte[] valid) {
    return damage.apply(valid);
  }
}
