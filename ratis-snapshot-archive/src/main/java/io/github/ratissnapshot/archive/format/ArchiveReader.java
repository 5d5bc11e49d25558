package io.github.ratissnapshot.archive.format;

import io.github.ratissnapshot.archive.format.ArchiveException.Problem;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Reads and verifies snapshot archives, stricter than Consul's reader where safety needs it and as
 * tolerant where real archives differ.
 *
 * <p>Accepted: the entries in any order, {@code SHA256SUMS} lines in any order, unknown keys in
 * {@code meta.json}, Vault's {@code SHA256SUMS.sealed} (reported, not checked), zero padding after the
 * tar's end as tar tools write it. Rejected, each with an {@link ArchiveException} whose
 * {@link ArchiveException#problem() problem} names the class of fault and whose message names the entry
 * and the values: anything not gzip, bad deflate data, a bad gzip CRC or size, a second gzip member or
 * any byte after the gzip trailer, a truncated gzip or tar stream, a bad tar header, an entry of another
 * name ({@code ../x}, {@code /abs}, {@code notes.txt}), a duplicate entry, a link, directory, device or
 * sparse entry, a missing entry, a malformed or foreign {@code SHA256SUMS} line, a hash mismatch, a
 * {@code state.bin} whose size differs from {@code meta.json}'s {@code Size}, non-zero bytes after the
 * tar's end.
 *
 * <p>Memory stays bounded whatever the input: {@code meta.json} and the checksum lists are read under
 * small caps, tar headers under a cap, and {@code state.bin} is streamed in fixed chunks. With more than
 * one processor the state is hashed and written on a second thread while this one decompresses.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class ArchiveReader {
  private static final int CHUNK = 1 << 20;
  private static final int GZIP_INPUT_BUFFER = 64 * 1024;
  private static final long HEADER_BUDGET = 1 << 20;
  private static final long MAX_END_PADDING = 1 << 20;
  private static final int END_MARKER = 2 * ArchiveLayout.RECORD;

  private final int maxMetaBytes;
  private final int maxSumsBytes;
  private final long maxStateBytes;
  private final boolean parallel;

  private ArchiveReader(Builder b) {
    this.maxMetaBytes = b.maxMetaBytes;
    this.maxSumsBytes = b.maxSumsBytes;
    this.maxStateBytes = b.maxStateBytes;
    this.parallel = b.parallel;
  }

  /** Returns a builder with the default limits: 1 MiB of {@code meta.json}, 64 KiB of sums, any state. */
  public static Builder newBuilder() {
    return new Builder();
  }

  /** Returns a reader with the defaults of {@link #newBuilder()}. */
  public static ArchiveReader defaults() {
    return newBuilder().build();
  }

  /**
   * Reads a gzip-compressed archive, streaming its state to {@code stateSink}, and verifies all of it.
   *
   * <p>Neither stream is closed. The sink receives the bytes of {@code state.bin} as they are read,
   * before the archive is known to be valid: when this method throws, whatever the sink received must
   * be discarded. {@link #extract} does that for a file.
   *
   * @param archive the archive, read to its end
   * @param stateSink where the bytes of {@code state.bin} go
   * @return the metadata and the entries, all verified
   * @throws ArchiveException if the archive is invalid or corrupt
   * @throws IOException if reading the archive or writing the sink fails
   */
  public ArchiveSummary read(InputStream archive, OutputStream stateSink) throws IOException {
    try (GzipMemberInputStream gzip = new GzipMemberInputStream(archive, GZIP_INPUT_BUFFER)) {
      return readTar(gzip, stateSink);
    }
  }

  /**
   * Reads a gzip-compressed archive only as far as its {@code meta.json} (the first entry in archives written
   * by this project, Consul and Nomad) and returns it. Nothing after it is read, so nothing after it is
   * verified, and the metadata itself is not yet checked against {@code SHA256SUMS}: use this to decide what
   * to do with an archive that a full {@link #read} then verifies, never instead of one.
   *
   * @param archive the archive, read until {@code meta.json} has been read; not closed
   * @return the metadata as the archive states it
   * @throws ArchiveException if what is read before it is invalid, or the archive has no {@code meta.json}
   * @throws IOException if reading fails
   */
  public SnapshotMeta peekMeta(InputStream archive) throws IOException {
    try (GzipMemberInputStream gzip = new GzipMemberInputStream(archive, GZIP_INPUT_BUFFER)) {
      return new Pass(gzip, OutputStream.nullOutputStream()).untilMeta();
    }
  }

  /**
   * Verifies a gzip-compressed archive without keeping its state.
   *
   * @param archive the archive, read to its end; not closed
   * @return the metadata and the entries, all verified
   * @throws ArchiveException if the archive is invalid or corrupt
   * @throws IOException if reading fails
   */
  public ArchiveSummary verify(InputStream archive) throws IOException {
    return read(archive, OutputStream.nullOutputStream());
  }

  /**
   * Reads back an archive file that was just written and checks it: it verifies, and holds the entries the
   * writer reported. The file's SHA-256 is computed on the same pass, so that whoever publishes the file need
   * not read it again for it.
   *
   * @param file the archive file; opened and closed here
   * @param written the summary the writer returned for it
   * @param around wraps the file's stream (to count progress, say); {@code UnaryOperator.identity()} for none
   * @return the file's SHA-256, in lowercase hex
   * @throws ArchiveException if the file does not verify
   * @throws IOException if it cannot be read, or verifies with other entries than {@code written} ("the
   *     archive written to FILE does not read back as written")
   */
  public String verifyWritten(Path file, ArchiveSummary written, UnaryOperator<InputStream> around)
      throws IOException {
    MessageDigest sha = Digests.sha256();
    try (InputStream in = around.apply(new DigestInputStream(
        new BufferedInputStream(Files.newInputStream(file), 1 << 16), sha))) {
      if (!verify(in).entries().equals(written.entries())) {
        throw new IOException("the archive written to " + file + " does not read back as written");
      }
    }
    return Digests.hex(sha.digest());
  }

  /**
   * Reads a gzip-compressed archive into a new file in {@code directory}, as Consul's {@code Read} does:
   * the state file exists only if the whole archive is valid, and is fsynced before this returns.
   *
   * @param archive the archive, read to its end; not closed
   * @param directory where the state file is created
   * @return the verified state; the caller must close it (or {@link ExtractedState#moveTo move} it)
   * @throws ArchiveException if the archive is invalid or corrupt; no file is left behind
   * @throws IOException if reading or writing fails; no file is left behind
   */
  public ExtractedState extract(InputStream archive, Path directory) throws IOException {
    return extract(archive, directory, null);
  }

  /**
   * As {@link #extract(InputStream, Path)}, and feeds the state's bytes to {@code stateDigest} on the way
   * (the MD5 of a Ratis snapshot's {@code .md5}, say), so that the state file need not be read again.
   *
   * @param archive the archive, read to its end; not closed
   * @param directory where the state file is created
   * @param stateDigest updated with every byte of {@code state.bin}; null for none. Its value is meaningful
   *     only if this returns
   * @return the verified state; the caller must close it (or {@link ExtractedState#moveTo move} it)
   * @throws ArchiveException if the archive is invalid or corrupt; no file is left behind
   * @throws IOException if reading or writing fails; no file is left behind
   */
  public ExtractedState extract(InputStream archive, Path directory, MessageDigest stateDigest) throws IOException {
    Path file = Files.createTempFile(directory, "state-", ExtractedState.SUFFIX);
    boolean ok = false;
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
      OutputStream sink = Channels.newOutputStream(channel);
      ArchiveSummary summary;
      if (stateDigest == null) {
        summary = read(archive, sink);
      } else if (parallel) {
        // A third thread for the extra digest: the SHA-256 and the write already share the second one.
        try (ConcurrentDigestOutputStream digested = new ConcurrentDigestOutputStream(sink, stateDigest, CHUNK)) {
          summary = read(archive, digested);
          digested.finish();
        }
      } else {
        summary = read(archive, new DigestOutputStream(sink, stateDigest));
      }
      channel.force(true);
      ok = true;
      return new ExtractedState(summary, file);
    } finally {
      if (!ok) {
        Files.deleteIfExists(file);
      }
    }
  }

  /**
   * Reads the tar layer alone (no gzip), as Consul's inner {@code read} does; used for raw tar fixtures.
   *
   * @param tar the tar stream, read to its end; not closed
   * @param stateSink where the bytes of {@code state.bin} go; see {@link #read}
   * @return the metadata and the entries, all verified
   * @throws ArchiveException if the archive is invalid or corrupt
   * @throws IOException if reading the archive or writing the sink fails
   */
  public ArchiveSummary readTar(InputStream tar, OutputStream stateSink) throws IOException {
    return new Pass(tar, stateSink).run();
  }

  /** The state of one read: entries seen so far and what they held. */
  private final class Pass {
    private final TarBoundaryInputStream raw;
    private final TarArchiveInputStream tar;
    private final OutputStream sink;
    private final Set<String> seen = new HashSet<>();
    private final List<ArchiveEntry> entries = new ArrayList<>(4);
    private SnapshotMeta meta;
    private byte[] metaHash;
    private long stateSize = -1;
    private byte[] stateHash;
    private Map<String, byte[]> sums;

    Pass(InputStream in, OutputStream sink) {
      this.raw = new TarBoundaryInputStream(in, HEADER_BUDGET);
      this.tar = new TarArchiveInputStream(raw, ArchiveLayout.RECORD, ArchiveLayout.RECORD, "UTF-8", false);
      this.sink = sink;
    }

    ArchiveSummary run() throws IOException {
      TarArchiveEntry e;
      while ((e = nextEntry()) != null) {
        readEntry(e);
      }
      checkEnd();
      return verdict();
    }

    /** Reads entries until {@code meta.json} has been read; the whole archive if it has none. */
    SnapshotMeta untilMeta() throws IOException {
      TarArchiveEntry e;
      while ((e = nextEntry()) != null) {
        readEntry(e);
        if (meta != null) {
          return meta;
        }
      }
      checkEnd();
      return verdict().meta();
    }

    private void readEntry(TarArchiveEntry e) throws IOException {
      long offset = raw.position();
      checkHeader(e, offset);
      switch (e.getName()) {
        case ArchiveLayout.META -> readMeta(e);
        case ArchiveLayout.STATE -> readState(e);
        case ArchiveLayout.SUMS -> sums = Sha256Sums.parse(readSmall(e, maxSumsBytes));
        default -> readSmall(e, maxSumsBytes); // SHA256SUMS.sealed: kept in the summary only
      }
    }

    private TarArchiveEntry nextEntry() throws IOException {
      raw.beginHeaders();
      TarArchiveEntry e;
      try {
        e = tar.getNextEntry();
      } catch (ArchiveException ae) {
        throw ae;
      } catch (IOException ex) {
        if (raw.sourceFailure() != null) {
          throw raw.sourceFailure(); // the stream under the tar failed, not its headers
        }
        if (raw.endOfInput()) {
          throw new ArchiveException(Problem.TRUNCATED, String.format(
              "truncated tar: the stream ends inside the header at offset %,d", raw.dataEnd()), ex);
        }
        throw new ArchiveException(Problem.BAD_TAR_HEADER, String.format(
            "invalid tar header at offset %,d: %s", raw.dataEnd(), rootMessage(ex)), ex);
      }
      raw.endHeaders(e == null ? -1 : e.getSize());
      return e;
    }

    private void checkHeader(TarArchiveEntry e, long dataOffset) throws ArchiveException {
      String name = e.getName();
      if (!e.isCheckSumOK()) {
        throw new ArchiveException(Problem.BAD_TAR_HEADER, String.format(
            "tar header of entry \"%s\" (data at offset %,d) has a wrong checksum", printable(name), dataOffset));
      }
      if (!ArchiveLayout.KNOWN.contains(name)) {
        throw new ArchiveException(Problem.UNEXPECTED_ENTRY, "unexpected entry \"" + printable(name)
            + "\" in archive (" + describeType(e) + "); an archive holds only meta.json, state.bin and SHA256SUMS");
      }
      byte flag = e.getLinkFlag();
      if ((flag != TarArchiveEntry.LF_NORMAL && flag != TarArchiveEntry.LF_OLDNORM) || e.isSparse()) {
        throw new ArchiveException(Problem.NOT_REGULAR_FILE,
            "entry " + name + " is " + describeType(e) + ", not a regular file");
      }
      if (!seen.add(name)) {
        throw new ArchiveException(Problem.DUPLICATE_ENTRY, String.format(
            "duplicate entry %s (second copy's data at offset %,d)", name, dataOffset));
      }
    }

    private void readMeta(TarArchiveEntry e) throws IOException {
      byte[] bytes = readSmall(e, maxMetaBytes);
      metaHash = lastHash();
      meta = MetaJson.decode(bytes);
      if (stateSize >= 0) {
        checkSize(stateSize);
      }
    }

    private void readState(TarArchiveEntry e) throws IOException {
      long declared = e.getSize();
      if (declared > maxStateBytes) {
        throw new CorruptArchiveException(Problem.ENTRY_TOO_LARGE, ArchiveLayout.STATE, String.format(
            "state.bin is %,d bytes, more than the %,d this reader allows", declared, maxStateBytes));
      }
      if (meta != null) {
        checkSize(declared);
      }
      try (HashingPipe pipe = new HashingPipe(sink, CHUNK, parallel)) {
        long done = 0;
        while (done < declared) {
          byte[] buf = pipe.buffer();
          int n = fill(buf, (int) Math.min(buf.length, declared - done), ArchiveLayout.STATE, done, declared);
          pipe.push(buf, n);
          done += n;
        }
        stateHash = pipe.finish();
      }
      stateSize = declared;
      entries.add(new ArchiveEntry(ArchiveLayout.STATE, declared, stateHash));
    }

    private void checkSize(long actual) throws CorruptArchiveException {
      if (meta.size() != actual) {
        throw new CorruptArchiveException(Problem.SIZE_MISMATCH, ArchiveLayout.STATE, String.format(
            "state.bin has %,d bytes but meta.json declares Size %,d", actual, meta.size()));
      }
    }

    private byte[] readSmall(TarArchiveEntry e, int cap) throws IOException {
      long size = e.getSize();
      if (size > cap) {
        throw new CorruptArchiveException(Problem.ENTRY_TOO_LARGE, e.getName(), String.format(
            "%s is %,d bytes, more than the %,d this reader allows", e.getName(), size, cap));
      }
      byte[] bytes = new byte[(int) size];
      int done = 0;
      while (done < size) {
        done += fill(bytes, done, (int) size - done, e.getName(), done, size);
      }
      byte[] hash = Digests.sha256().digest(bytes);
      entries.add(new ArchiveEntry(e.getName(), size, hash));
      return bytes;
    }

    private byte[] lastHash() {
      return entries.get(entries.size() - 1).sha256();
    }

    /** Reads up to {@code len} bytes of the current entry into {@code buf}; at least one, or throws. */
    private int fill(byte[] buf, int len, String name, long done, long size) throws IOException {
      return fill(buf, 0, len, name, done, size);
    }

    private int fill(byte[] buf, int off, int len, String name, long done, long size) throws IOException {
      int total = 0;
      while (total < len) {
        int n;
        try {
          n = tar.read(buf, off + total, len - total);
        } catch (ArchiveException ae) {
          throw ae;
        } catch (IOException ex) {
          if (!raw.endOfInput()) {
            throw ex;
          }
          n = -1;
        }
        if (n < 0) {
          throw new CorruptArchiveException(Problem.TRUNCATED, name, String.format(
              "truncated tar: %s ends after %,d of its %,d bytes", name, done + total, size));
        }
        total += n;
      }
      return total;
    }

    /** Checks the end-of-archive marker and that nothing but zero padding follows it. */
    private void checkEnd() throws IOException {
      long markerStart = raw.dataEnd();
      long nonZero = raw.firstNonZeroAfterData();
      if (nonZero >= 0) {
        if (nonZero < markerStart + ArchiveLayout.RECORD) {
          throw new ArchiveException(Problem.TRUNCATED, String.format(
              "truncated tar: the stream ends %,d bytes into the header at offset %,d",
              raw.position() - markerStart, markerStart));
        }
        throw new ArchiveException(Problem.TRAILING_DATA, String.format(
            "non-zero byte at offset %,d after the tar end-of-archive block at offset %,d", nonZero, markerStart));
      }
      byte[] buf = new byte[8192];
      int n;
      while ((n = raw.read(buf, 0, buf.length)) >= 0) {
        for (int i = 0; i < n; i++) {
          if (buf[i] != 0) {
            throw new ArchiveException(Problem.TRAILING_DATA, String.format(
                "non-zero byte at offset %,d after the tar end-of-archive marker at offset %,d",
                raw.position() - n + i, markerStart));
          }
        }
        if (raw.position() - markerStart > MAX_END_PADDING + END_MARKER) {
          throw new ArchiveException(Problem.TRAILING_DATA, String.format(
              "more than %,d bytes of zero padding follow the tar end-of-archive marker", MAX_END_PADDING));
        }
      }
      long zeros = raw.position() - markerStart;
      if (zeros < END_MARKER) {
        throw new ArchiveException(Problem.TRUNCATED, String.format(
            "truncated tar: the end-of-archive marker at offset %,d has %,d of its %,d zero bytes",
            markerStart, zeros, END_MARKER));
      }
    }

    private ArchiveSummary verdict() throws ArchiveException {
      if (seen.isEmpty()) {
        throw new ArchiveException(Problem.MISSING_ENTRY,
            "the archive has no entries; expected meta.json, state.bin and SHA256SUMS");
      }
      for (String name : List.of(ArchiveLayout.META, ArchiveLayout.STATE, ArchiveLayout.SUMS)) {
        if (!seen.contains(name)) {
          throw new ArchiveException(Problem.MISSING_ENTRY, "the archive has no " + name + " entry");
        }
      }
      checkHash(ArchiveLayout.META, metaHash);
      checkHash(ArchiveLayout.STATE, stateHash);
      return new ArchiveSummary(meta, entries);
    }

    private void checkHash(String name, byte[] actual) throws CorruptArchiveException {
      byte[] expected = sums.get(name);
      if (expected == null) {
        throw new CorruptArchiveException(Problem.INVALID_SUMS, ArchiveLayout.SUMS,
            "SHA256SUMS has no line for " + name);
      }
      if (!MessageDigest.isEqual(expected, actual)) {
        throw new CorruptArchiveException(Problem.HASH_MISMATCH, name, "SHA-256 of " + name + ": actual "
            + Digests.hex(actual) + " != expected " + Digests.hex(expected) + " (SHA256SUMS)");
      }
    }
  }

  private static String describeType(TarArchiveEntry e) {
    if (e.isSparse()) {
      return "a sparse file";
    }
    return switch (e.getLinkFlag()) {
      case TarArchiveEntry.LF_NORMAL, TarArchiveEntry.LF_OLDNORM -> "a regular file";
      case TarArchiveEntry.LF_LINK -> "a hard link to \"" + printable(e.getLinkName()) + "\"";
      case TarArchiveEntry.LF_SYMLINK -> "a symbolic link to \"" + printable(e.getLinkName()) + "\"";
      case TarArchiveEntry.LF_CHR -> "a character device";
      case TarArchiveEntry.LF_BLK -> "a block device";
      case TarArchiveEntry.LF_DIR -> "a directory";
      case TarArchiveEntry.LF_FIFO -> "a FIFO";
      case TarArchiveEntry.LF_CONTIG -> "a contiguous file";
      default -> String.format("an entry of type 0x%02x", e.getLinkFlag() & 0xff);
    };
  }

  private static String printable(String s) {
    String p = s.replaceAll("\\p{Cntrl}", "?");
    return p.length() <= 100 ? p : p.substring(0, 97) + "...";
  }

  private static String rootMessage(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    return c == t ? String.valueOf(t.getMessage()) : t.getMessage() + ": " + c.getMessage();
  }

  /** Configures an {@link ArchiveReader}. Not thread-safe. */
  public static final class Builder {
    private int maxMetaBytes = 1 << 20;
    private int maxSumsBytes = 64 * 1024;
    private long maxStateBytes = Long.MAX_VALUE;
    private boolean parallel = Runtime.getRuntime().availableProcessors() > 1;

    private Builder() {}

    /**
     * Caps {@code meta.json}; a larger one is rejected before it is read.
     *
     * @param bytes the cap, at least 1
     * @return this builder
     */
    public Builder maxMetaBytes(int bytes) {
      this.maxMetaBytes = positive("maxMetaBytes", bytes);
      return this;
    }

    /**
     * Caps {@code SHA256SUMS} and {@code SHA256SUMS.sealed}; a larger one is rejected before it is read.
     *
     * @param bytes the cap, at least 1
     * @return this builder
     */
    public Builder maxSumsBytes(int bytes) {
      this.maxSumsBytes = positive("maxSumsBytes", bytes);
      return this;
    }

    /**
     * Caps {@code state.bin}, for callers that know how much room they have; a larger one is rejected
     * from its header, before any of it reaches the sink.
     *
     * @param bytes the cap, at least 0
     * @return this builder
     */
    public Builder maxStateBytes(long bytes) {
      if (bytes < 0) {
        throw new IllegalArgumentException("maxStateBytes must not be negative, got " + bytes);
      }
      this.maxStateBytes = bytes;
      return this;
    }

    /**
     * Sets whether the state is hashed and written on a second thread; the default is to do so when
     * there is more than one processor.
     *
     * @param parallel whether to use a second thread
     * @return this builder
     */
    public Builder parallelHashing(boolean parallel) {
      this.parallel = parallel;
      return this;
    }

    /** Returns the reader. */
    public ArchiveReader build() {
      return new ArchiveReader(this);
    }

    private static int positive(String what, int v) {
      if (v < 1) {
        throw new IllegalArgumentException(what + " must be at least 1, got " + v);
      }
      return v;
    }
  }
}
