package io.github.ratissnapshot.archive.cli;

import java.util.Locale;

/** Human-readable byte counts and their parsing ({@code 512MiB}, {@code 1GiB}, {@code 1g}, {@code 4096}). */
public final class Sizes {
  private Sizes() {}

  /** Formats a byte count with a binary unit, such as {@code 1.00 GiB}. */
  public static String format(long bytes) {
    String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = bytes;
    int u = 0;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return u == 0 ? bytes + " B" : String.format(Locale.ROOT, "%.2f %s", v, units[u]);
  }

  /**
   * Parses a size with an optional binary unit ({@code k}, {@code m}, {@code g}, {@code t}, with or without
   * {@code iB}).
   *
   * @throws IllegalArgumentException if the text is not such a size
   */
  public static long parse(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT).replace("ib", "").replace("b", "");
    long factor = 1;
    if (!t.isEmpty()) {
      switch (t.charAt(t.length() - 1)) {
        case 'k' -> factor = 1L << 10;
        case 'm' -> factor = 1L << 20;
        case 'g' -> factor = 1L << 30;
        case 't' -> factor = 1L << 40;
        default -> factor = 1;
      }
    }
    String digits = factor == 1 ? t : t.substring(0, t.length() - 1);
    try {
      long v = Long.parseLong(digits.trim());
      if (v < 0) {
        throw new NumberFormatException();
      }
      return Math.multiplyExact(v, factor);
    } catch (NumberFormatException | ArithmeticException e) {
      throw new IllegalArgumentException("not a size: \"" + text + "\" (use e.g. 4096, 512MiB, 1GiB)");
    }
  }
}
