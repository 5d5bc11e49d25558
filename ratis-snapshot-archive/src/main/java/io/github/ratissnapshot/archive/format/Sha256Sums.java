package io.github.ratissnapshot.archive.format;

import io.github.ratissnapshot.archive.format.ArchiveException.Problem;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code SHA256SUMS} entry: one line {@code <64 hex>  <name>\n} per hashed entry, the format
 * {@code sha256sum} writes and {@code sha256sum -c} checks.
 */
final class Sha256Sums {
  /** Text mode ({@code "  "}) and binary mode ({@code " *"}) lines, hex in either case. */
  private static final Pattern LINE = Pattern.compile("([0-9a-fA-F]{64}) [ *](.+)");
  private static final HexFormat HEX = HexFormat.of();

  private Sha256Sums() {}

  /** Returns the bytes of a {@code SHA256SUMS} listing {@code sums} (name to digest) in order. */
  static byte[] format(Map<String, byte[]> sums) {
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, byte[]> e : sums.entrySet()) {
      sb.append(Digests.hex(e.getValue())).append("  ").append(e.getKey()).append('\n');
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Parses {@code SHA256SUMS}: every line must be well formed and name a distinct entry that the archive
   * hashes ({@code meta.json} or {@code state.bin}); the last line may lack its newline.
   *
   * @param bytes the raw entry
   * @return name to digest, in the order of the lines
   * @throws CorruptArchiveException with {@link Problem#INVALID_SUMS}
   */
  static Map<String, byte[]> parse(byte[] bytes) throws CorruptArchiveException {
    Map<String, byte[]> sums = new LinkedHashMap<>();
    if (bytes.length == 0) {
      return sums;
    }
    String text = new String(bytes, StandardCharsets.UTF_8);
    if (text.endsWith("\n")) {
      text = text.substring(0, text.length() - 1);
    }
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      Matcher m = LINE.matcher(lines[i]);
      if (!m.matches()) {
        throw invalid("SHA256SUMS line " + (i + 1) + " is malformed: expected \"<64 hex digits>  <name>\", got \""
            + abbreviate(lines[i]) + "\"");
      }
      String name = m.group(2);
      if (!name.equals(ArchiveLayout.META) && !name.equals(ArchiveLayout.STATE)) {
        throw invalid("SHA256SUMS line " + (i + 1) + " names \"" + abbreviate(name)
            + "\", which is not an entry the archive hashes (meta.json, state.bin)");
      }
      if (sums.put(name, HEX.parseHex(m.group(1).toLowerCase(Locale.ROOT))) != null) {
        throw invalid("SHA256SUMS lists " + name + " twice");
      }
    }
    return sums;
  }

  private static CorruptArchiveException invalid(String message) {
    return new CorruptArchiveException(Problem.INVALID_SUMS, ArchiveLayout.SUMS, message);
  }

  private static String abbreviate(String s) {
    String printable = s.replaceAll("\\p{Cntrl}", "?");
    return printable.length() <= 80 ? printable : printable.substring(0, 77) + "...";
  }
}
