package io.github.ratissnapshot.archive.format;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Builds tar streams for tests, good or hostile, entry by entry: each entry is written by
 * commons-compress's {@link TarArchiveOutputStream} with 512-byte blocks (so no record padding), and raw
 * bytes can be spliced in wherever commons-compress cannot express a fault. Nothing is added implicitly:
 * call {@link #end()} for the two zero blocks.
 */
final class TarBuilder {
  /** The mtime stamped on entries unless a test sets another: Consul's sample archive's. */
  static final long MTIME_SECONDS = 1_651_147_314L;

  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

  /** Adds a regular file with Consul's header values. */
  TarBuilder file(String name, byte[] data) {
    return entry(regular(name, data.length), data);
  }

  /** Adds a regular file holding the UTF-8 bytes of {@code text}. */
  TarBuilder file(String name, String text) {
    return file(name, text.getBytes(StandardCharsets.UTF_8));
  }

  /** Adds an entry whose header the caller configured, with its data; the header's size is set here. */
  TarBuilder entry(TarArchiveEntry header, byte[] data) {
    if (!header.isDirectory() && !header.isSymbolicLink() && !header.isLink()) {
      header.setSize(data.length);
    }
    ByteArrayOutputStream one = new ByteArrayOutputStream();
    // Deliberately never finished: finish() would append the end-of-archive blocks.
    @SuppressWarnings("resource")
    TarArchiveOutputStream tar = new TarArchiveOutputStream(one, ArchiveLayout.RECORD, "UTF-8");
    tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    try {
      tar.putArchiveEntry(header);
      tar.write(data);
      tar.closeArchiveEntry();
      tar.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    bytes.writeBytes(one.toByteArray());
    return this;
  }

  /** Adds a symbolic link. */
  TarBuilder symlink(String name, String target) {
    return entry(special(name, TarConstants.LF_SYMLINK, target), new byte[0]);
  }

  /** Adds a hard link. */
  TarBuilder hardLink(String name, String target) {
    return entry(special(name, TarConstants.LF_LINK, target), new byte[0]);
  }

  /** Adds a directory entry; the name is kept as given (with or without a trailing slash). */
  TarBuilder directory(String name) {
    return entry(special(name, TarConstants.LF_DIR, ""), new byte[0]);
  }

  /** Adds a character device entry. */
  TarBuilder charDevice(String name) {
    return entry(special(name, TarConstants.LF_CHR, ""), new byte[0]);
  }

  /** Adds a lone header declaring {@code size} bytes, with none of its data after it. */
  TarBuilder headerOnly(String name, long size) {
    return headerOnly(regular(name, size));
  }

  /** Adds a lone header as configured, with none of its data after it. */
  TarBuilder headerOnly(TarArchiveEntry header) {
    byte[] block = new byte[ArchiveLayout.RECORD];
    header.writeEntryHeader(block);
    bytes.writeBytes(block);
    return this;
  }

  /** Appends bytes as they are. */
  TarBuilder raw(byte[] data) {
    bytes.writeBytes(data);
    return this;
  }

  /** Appends {@code n} zero bytes. */
  TarBuilder zeros(int n) {
    return raw(new byte[n]);
  }

  /** Appends the end-of-archive marker: two zero blocks. */
  TarBuilder end() {
    return zeros(2 * ArchiveLayout.RECORD);
  }

  /** Returns the bytes so far. */
  byte[] build() {
    return bytes.toByteArray();
  }

  /** A regular-file header as Go writes Consul's: mode 0600, root, no user or group name. */
  static TarArchiveEntry regular(String name, long size) {
    TarArchiveEntry e = new TarArchiveEntry(name, true);
    consulDefaults(e);
    e.setSize(size);
    return e;
  }

  private static TarArchiveEntry special(String name, byte type, String linkName) {
    TarArchiveEntry e = new TarArchiveEntry(name, type, true);
    consulDefaults(e);
    e.setLinkName(linkName);
    return e;
  }

  private static void consulDefaults(TarArchiveEntry e) {
    e.setMode(ArchiveLayout.MODE);
    e.setIds(0, 0);
    e.setNames("", "");
    e.setModTime(MTIME_SECONDS * 1000);
  }
}
