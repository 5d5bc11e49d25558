package io.github.ratissnapshot.archive.format;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A tar stream taken apart by hand, without commons-compress, so tests can check the writer's bytes
 * field by field and find the offsets of entries for byte surgery.
 */
final class RawTar {
  private static final int BLOCK = 512;

  /** One header block as its raw fields, and where its data lies. */
  record Header(
      long offset,
      String name,
      String mode,
      String uid,
      String gid,
      String size,
      String mtime,
      String checksum,
      char typeflag,
      String linkName,
      String magic,
      String version,
      String uname,
      String gname,
      byte[] block) {

    /** Returns the offset of the entry's first data byte. */
    long dataOffset() {
      return offset + BLOCK;
    }

    /** Returns the size field as a number (octal, NUL or space terminated). */
    long sizeValue() {
      return octal(size);
    }

    /** Returns the mtime field as a number. */
    long mtimeValue() {
      return octal(mtime);
    }

    /** Returns the checksum the header should carry: the byte sum with the checksum field as spaces. */
    long computedChecksum() {
      long sum = 0;
      for (int i = 0; i < BLOCK; i++) {
        sum += (i >= 148 && i < 156) ? ' ' : block[i] & 0xff;
      }
      return sum;
    }
  }

  private final List<Header> headers;
  private final long endMarkerOffset;

  private RawTar(List<Header> headers, long endMarkerOffset) {
    this.headers = headers;
    this.endMarkerOffset = endMarkerOffset;
  }

  /** Parses every header up to the first zero block; PAX ('x') headers are listed as headers too. */
  static RawTar parse(byte[] tar) {
    List<Header> headers = new ArrayList<>();
    int off = 0;
    while (off + BLOCK <= tar.length) {
      byte[] block = Arrays.copyOfRange(tar, off, off + BLOCK);
      if (isZero(block)) {
        return new RawTar(headers, off);
      }
      Header h = new Header(off, text(block, 0, 100), text(block, 100, 8), text(block, 108, 8),
          text(block, 116, 8), text(block, 124, 12), text(block, 136, 12), text(block, 148, 8),
          (char) block[156], text(block, 157, 100), new String(block, 257, 6, StandardCharsets.ISO_8859_1),
          new String(block, 263, 2, StandardCharsets.ISO_8859_1), text(block, 265, 32), text(block, 297, 32),
          block);
      headers.add(h);
      off += BLOCK + (int) TarBoundaryInputStream.padded(h.sizeValue());
    }
    throw new IllegalArgumentException("no end-of-archive block in " + tar.length + " bytes");
  }

  List<Header> headers() {
    return headers;
  }

  /** Returns the header of the entry with this name. */
  Header header(String name) {
    return headers.stream().filter(h -> h.name().equals(name)).findFirst().orElseThrow();
  }

  /** Returns the offset of the first zero block after the last entry. */
  long endMarkerOffset() {
    return endMarkerOffset;
  }

  /** Parses an octal field that Go ends with NUL and commons-compress with a space (or both). */
  static long octal(String field) {
    String digits = field.trim();
    return digits.isEmpty() ? 0 : Long.parseLong(digits, 8);
  }

  private static String text(byte[] b, int off, int len) {
    int end = off;
    while (end < off + len && b[end] != 0) {
      end++;
    }
    return new String(b, off, end - off, StandardCharsets.UTF_8);
  }

  private static boolean isZero(byte[] block) {
    for (byte x : block) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }
}
