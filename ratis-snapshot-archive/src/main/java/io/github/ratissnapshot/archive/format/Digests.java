package io.github.ratissnapshot.archive.format;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The digests this project computes, which every Java platform provides: SHA-256 for archives, MD5 for
 * Ratis's native snapshot files. The one place a digest is created or printed.
 */
public final class Digests {
  private static final HexFormat HEX = HexFormat.of();

  private Digests() {}

  /** Returns a new SHA-256 digest. */
  public static MessageDigest sha256() {
    return newDigest("SHA-256");
  }

  /** Returns a new MD5 digest, for the {@code .md5} files Ratis keeps beside native snapshots. */
  public static MessageDigest md5() {
    return newDigest("MD5");
  }

  /** Returns a digest as lowercase hex, as {@code sha256sum} and {@code md5sum} print it. */
  public static String hex(byte[] digest) {
    return HEX.formatHex(digest);
  }

  /**
   * Returns the MD5 of a file's content, as hex.
   *
   * @param file the file
   * @return 32 lowercase hex digits
   * @throws IOException if the file cannot be read
   */
  public static String md5Hex(Path file) throws IOException {
    return hexOf(file, md5());
  }

  /**
   * Returns the SHA-256 of a file's content, as hex.
   *
   * @param file the file
   * @return 64 lowercase hex digits
   * @throws IOException if the file cannot be read
   */
  public static String sha256Hex(Path file) throws IOException {
    return hexOf(file, sha256());
  }

  private static String hexOf(Path file, MessageDigest digest) throws IOException {
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
      in.transferTo(OutputStream.nullOutputStream());
    }
    return hex(digest.digest());
  }

  /**
   * Returns a checksum line as {@code md5sum -b} prints it and Ratis reads it beside a snapshot:
   * {@code <hex> *<file name>} and a newline.
   *
   * @param hex the digest in hex
   * @param fileName the name of the file it is of
   * @return the line's bytes
   */
  public static byte[] checksumLine(String hex, String fileName) {
    return (hex + " *" + fileName + "\n").getBytes(StandardCharsets.US_ASCII);
  }

  private static MessageDigest newDigest(String algorithm) {
    try {
      return MessageDigest.getInstance(algorithm);
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError("every Java platform provides " + algorithm, e);
    }
  }
}
