package io.github.ratissnapshot.archive.format;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/**
 * Which tool wrote an archive, as far as its bytes tell. Every writer of the format produces the same
 * entries; they differ in details of the tar headers: HashiCorp's Go writer (Consul, Nomad, Vault) ends
 * octal fields with NUL, this project's (commons-compress) with a space, and other tools (GNU tar, Python)
 * write user names, a different magic or a gzip header with a time and an OS. Vault adds
 * {@code SHA256SUMS.sealed}. A guess for people, never used to decide anything.
 */
public enum ArchiveOrigin {
  /** This project's writer. */
  RATIS_SNAPSHOT_ARCHIVE("ratis-snapshot-archive"),
  /** HashiCorp's Go writer with a sealed checksum file: Vault. */
  VAULT("Vault"),
  /** HashiCorp's Go writer: Consul or Nomad (their bytes are the same). */
  CONSUL_OR_NOMAD("Consul or Nomad"),
  /** Anything else, or too little to tell. */
  UNKNOWN("unrecognised");

  private final String description;

  ArchiveOrigin(String description) {
    this.description = description;
  }

  /** Returns the name shown to people, such as {@code "Consul or Nomad"}. */
  public String description() {
    return description;
  }

  /**
   * Guesses the writer from the archive's first bytes.
   *
   * @param head the archive's first bytes, as compressed (a few KiB are enough; more are ignored)
   * @param sealedSums whether the archive holds {@code SHA256SUMS.sealed}
   * @return the guess; {@link #UNKNOWN} when the bytes match no known writer
   */
  public static ArchiveOrigin guess(byte[] head, boolean sealedSums) {
    if (head.length < 10 || (head[0] & 0xff) != 0x1f || (head[1] & 0xff) != 0x8b) {
      return UNKNOWN;
    }
    // Go's gzip and this project's: no name, mtime 0, XFL 0, OS 255 ("unknown").
    boolean goGzipHeader = head[3] == 0 && head[4] == 0 && head[5] == 0 && head[6] == 0 && head[7] == 0
        && head[8] == 0 && (head[9] & 0xff) == 0xff;
    byte[] tar = new byte[512];
    int n = 0;
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(head), 512)) {
      for (int r; n < 512 && (r = in.read(tar, n, 512 - n)) > 0; ) {
        n += r;
      }
    } catch (IOException truncated) {
      // the head ends mid-stream: what was inflated so far is enough when n reached 512
    }
    if (!goGzipHeader || n < 512 || !ascii(tar, 257, 8).equals("ustar\u000000") || tar[265] != 0) {
      return UNKNOWN;
    }
    byte modeEnd = tar[107];
    if (modeEnd == 0) {
      return sealedSums ? VAULT : CONSUL_OR_NOMAD;
    }
    return modeEnd == ' ' && !sealedSums ? RATIS_SNAPSHOT_ARCHIVE : UNKNOWN;
  }

  private static String ascii(byte[] b, int off, int len) {
    StringBuilder s = new StringBuilder(len);
    for (int i = off; i < off + len; i++) {
      s.append((char) (b[i] & 0xff));
    }
    return s.toString();
  }
}
