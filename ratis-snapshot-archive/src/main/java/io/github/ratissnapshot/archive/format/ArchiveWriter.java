package io.github.ratissnapshot.archive.format;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Writes snapshot archives: {@code gzip(tar(meta.json, state.bin, SHA256SUMS))}, byte-compatible with
 * the archives Consul's {@code snapshot} package writes and reads.
 *
 * <p>The tar holds the three entries in that order, with plain USTAR headers (mode {@code 0600},
 * uid/gid 0, empty user and group names, one mtime for all), ends with exactly two zero blocks and no
 * padding, and uses a PAX header for a state of 8 GiB or more. {@code meta.json} is encoded as Go encodes
 * hashicorp/raft's {@code SnapshotMeta}; {@code SHA256SUMS} lists {@code meta.json} and {@code state.bin}.
 * The state is streamed once, hashed on the way, and never held in memory.
 *
 * <p>Instances are immutable and thread-safe; each {@link #write} call uses its own buffers and, for
 * more than one thread, its own compressing threads.
 */
public final class ArchiveWriter {
  private static final int COPY_BUFFER = 1 << 20;
  /** What passes through the tar in place of state bytes the writer never sees; never written to. */
  private static final byte[] STAND_IN = new byte[64 << 10];

  private final int level;
  private final int threads;
  private final Clock clock;

  private ArchiveWriter(Builder b) {
    this.level = b.level;
    this.threads = b.threads;
    this.clock = b.clock;
  }

  /** Returns a builder with the defaults: gzip level 6, one compressing thread per processor. */
  public static Builder newBuilder() {
    return new Builder();
  }

  /** Returns a writer with the defaults of {@link #newBuilder()}. */
  public static ArchiveWriter defaults() {
    return newBuilder().build();
  }

  /**
   * Writes an archive of {@code meta} and exactly {@code meta.size()} bytes of state to {@code out}.
   *
   * <p>Neither stream is closed: the caller owns both. On any exception the bytes already written to
   * {@code out} are an incomplete archive that the caller must discard; to publish a file only when it is
   * whole, write through {@link AtomicFile}.
   *
   * @param out where the archive goes
   * @param meta the metadata; its {@code Size} is the number of state bytes copied
   * @param state the state; read for exactly {@code Size} bytes, then probed for one more
   * @return the metadata and the entries written, with their SHA-256
   * @throws StateSizeException if {@code state} ends before {@code Size} bytes or has more
   * @throws IOException if reading the state or writing the archive fails
   */
  public ArchiveSummary write(OutputStream out, SnapshotMeta meta, InputStream state) throws IOException {
    BlockGzipOutputStream gzip = new BlockGzipOutputStream(out, level, threads);
    try {
      BufferedOutputStream buffered = new BufferedOutputStream(gzip, COPY_BUFFER);
      ArchiveSummary summary = writeTar(buffered, meta, tar -> copyExactly(state, tar, meta.size()));
      buffered.flush();
      gzip.finish();
      return summary;
    } finally {
      gzip.release();
    }
  }

  /**
   * Writes an archive of {@code meta} whose state arrives compressed: the segments of {@code state} go into
   * the archive's gzip member as they are, between the tar headers and the tail this writer compresses, so
   * the state is not compressed a second time. Each segment is inflated on the way to hash the state and to
   * check that it is exactly {@code meta.size()} bytes; the state's SHA-256 in {@code SHA256SUMS} is of the
   * bytes inflated here. The archive reads like any other; its bytes differ from those of
   * {@link #write(OutputStream, SnapshotMeta, InputStream)} only in how the deflate data is cut into blocks,
   * and its tar is the same byte for byte. The segments must be compressed at this writer's level for the
   * gzip header to name it; the thread count plays no part.
   *
   * <p>As with the other {@code write}, {@code out} is not closed and is an incomplete archive to discard on
   * any exception.
   *
   * @param out where the archive goes
   * @param meta the metadata; its {@code Size} is the number of state bytes the segments must inflate to
   * @param state the compressed state, read to its end
   * @return the metadata and the entries written, with their SHA-256
   * @throws StateSizeException if the segments inflate to fewer or more than {@code Size} bytes
   * @throws CorruptArchiveException if a segment is not deflate data that continues the ones before it, or
   *     ends the stream
   * @throws IOException if getting a segment or writing the archive fails
   */
  public ArchiveSummary write(OutputStream out, SnapshotMeta meta, DeflatedState state) throws IOException {
    SplicedGzipOutputStream gzip = new SplicedGzipOutputStream(out, level);
    Inflater inflater = new Inflater(true);
    try {
      ArchiveSummary summary = writeTar(gzip, meta, tar -> {
        tar.flush();
        gzip.startSplice(meta.size());
        return spliceExactly(state, gzip, tar, meta.size(), inflater);
      });
      // The tail continues the segments' deflate data: it inflates to itself only if the last segment ended
      // where a block may start.
      gzip.finish(inflater);
      return summary;
    } finally {
      inflater.end();
    }
  }

  /**
   * Writes an archive of {@code meta} whose state arrives compressed by a source that vouches for it: the
   * segments go into the archive's gzip member as they are, as with
   * {@link #write(OutputStream, SnapshotMeta, DeflatedState)}, but are not inflated. {@code SHA256SUMS}
   * gets the SHA-256 the source vouches for and the gzip trailer the CRC-32 made of the segments' ones, so
   * this costs a copy of the compressed bytes and no pass over the state; the archive's bytes are those the
   * other method writes for the same segments.
   *
   * <p>Nothing checks here that the segments inflate to the state vouched for (a corrupt segment, or a
   * source whose file changed under its digest): the caller must verify the archive once written
   * ({@link ArchiveReader#verifyWritten}), which then checks every state byte against that SHA-256, before
   * anyone relies on it. As with the other {@code write}, {@code out} is not closed and is an incomplete
   * archive to discard on any exception.
   *
   * @param out where the archive goes
   * @param meta the metadata; its {@code Size} is the number of state bytes the segments must vouch for
   * @param state the compressed state, read to its end
   * @return the metadata and the entries written; the state's SHA-256 is the one vouched for
   * @throws StateSizeException if the segments' plain lengths add up to fewer or more than {@code Size}
   * @throws IOException if getting a segment or writing the archive fails
   */
  public ArchiveSummary writeVouched(OutputStream out, SnapshotMeta meta, VouchedDeflatedState state)
      throws IOException {
    SplicedGzipOutputStream gzip = new SplicedGzipOutputStream(out, level);
    ArchiveSummary summary = writeTar(gzip, meta, tar -> {
      tar.flush();
      gzip.startSplice(meta.size());
      for (VouchedDeflatedState.Segment s = state.nextSegment(); s != null; s = state.nextSegment()) {
        gzip.spliceVouched(s.deflated(), s.plainLength(), s.crc32());
        // The tar counts its entry's bytes; these stand in for the state's and are only counted by gzip.
        for (int left = s.plainLength(); left > 0; ) {
          int n = Math.min(left, STAND_IN.length);
          tar.write(STAND_IN, 0, n);
          left -= n;
        }
      }
      gzip.checkVouched();
      byte[] sha = state.sha256();
      if (sha == null || sha.length != 32) {
        throw new IOException("the source vouched for no SHA-256 of the state");
      }
      return sha.clone();
    });
    gzip.finishVouched();
    return summary;
  }

  /** Writes the state entry's content, right after its header, and returns its SHA-256. */
  private interface StateContent {
    byte[] write(TarArchiveOutputStream tar) throws IOException;
  }

  /** Writes the tar of {@code meta}, {@code state} and {@code SHA256SUMS} to {@code out}, to its end. */
  private ArchiveSummary writeTar(OutputStream out, SnapshotMeta meta, StateContent state) throws IOException {
    byte[] metaBytes = MetaJson.encode(meta);
    TarArchiveOutputStream tar = new TarArchiveOutputStream(out, ArchiveLayout.RECORD, "UTF-8");
    tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    Instant mtime = roundToSecond(clock.instant());

    Map<String, byte[]> sums = new LinkedHashMap<>();
    List<ArchiveEntry> entries = new ArrayList<>(3);
    sums.put(ArchiveLayout.META, sha256(metaBytes));
    putSmallEntry(tar, ArchiveLayout.META, metaBytes, mtime);
    entries.add(new ArchiveEntry(ArchiveLayout.META, metaBytes.length, sums.get(ArchiveLayout.META)));

    tar.putArchiveEntry(entry(ArchiveLayout.STATE, meta.size(), mtime));
    byte[] stateHash = state.write(tar);
    tar.closeArchiveEntry();
    sums.put(ArchiveLayout.STATE, stateHash);
    entries.add(new ArchiveEntry(ArchiveLayout.STATE, meta.size(), stateHash));

    byte[] sumsBytes = Sha256Sums.format(sums);
    putSmallEntry(tar, ArchiveLayout.SUMS, sumsBytes, mtime);
    entries.add(new ArchiveEntry(ArchiveLayout.SUMS, sumsBytes.length, sha256(sumsBytes)));

    tar.finish();
    tar.flush();
    return new ArchiveSummary(meta, entries);
  }

  /** Splices every segment into {@code gzip} and writes its inflated bytes through {@code tar}. */
  private static byte[] spliceExactly(DeflatedState state, SplicedGzipOutputStream gzip, OutputStream tar,
      long size, Inflater inflater) throws IOException {
    MessageDigest sha = Digests.sha256();
    byte[] segment = new byte[64 << 10];
    byte[] plain = new byte[256 << 10];
    long written = 0;
    long segments = 0;
    for (ByteBuffer next = state.nextSegment(); next != null; next = state.nextSegment()) {
      int len = next.remaining();
      if (segment.length < len) {
        segment = new byte[len];
      }
      next.get(segment, 0, len);
      long start = written;
      gzip.splice(segment, 0, len);
      inflater.setInput(segment, 0, len);
      while (true) {
        int n;
        try {
          n = inflater.inflate(plain);
        } catch (DataFormatException e) {
          throw new CorruptArchiveException(ArchiveException.Problem.BAD_COMPRESSED_DATA, ArchiveLayout.STATE,
              String.format("compressed state segment %d (from state byte %,d) is not valid deflate data: %s",
              segments, start, e.getMessage()), e);
        }
        if (n > 0) {
          if (written + n > size) {
            throw StateSizeException.inflatesToMore(size);
          }
          sha.update(plain, 0, n);
          state.inflated(plain, 0, n);
          tar.write(plain, 0, n);
          written += n;
        } else if (inflater.finished() || inflater.needsDictionary()) {
          throw new CorruptArchiveException(ArchiveException.Problem.BAD_COMPRESSED_DATA, ArchiveLayout.STATE,
              String.format("compressed state segment %d (from state byte %,d) %s", segments, start,
                  inflater.finished() ? "ends the deflate stream" : "needs a dictionary"));
        } else {
          break; // needs input: the segment is used up
        }
      }
      segments++;
    }
    if (written != size) {
      throw StateSizeException.inflatesTo(written, size);
    }
    return sha.digest();
  }

  private static void putSmallEntry(TarArchiveOutputStream tar, String name, byte[] bytes, Instant mtime)
      throws IOException {
    tar.putArchiveEntry(entry(name, bytes.length, mtime));
    tar.write(bytes);
    tar.closeArchiveEntry();
  }

  /** A header as Go's {@code archive/tar} writes Consul's: regular file, 0600, root, no names. */
  private static TarArchiveEntry entry(String name, long size, Instant mtime) {
    TarArchiveEntry e = new TarArchiveEntry(name, true);
    e.setMode(ArchiveLayout.MODE);
    e.setIds(0, 0);
    e.setNames("", "");
    e.setSize(size);
    e.setModTime(mtime.toEpochMilli());
    return e;
  }

  private static byte[] copyExactly(InputStream in, OutputStream out, long size) throws IOException {
    MessageDigest sha = Digests.sha256();
    byte[] buf = new byte[(int) Math.min(COPY_BUFFER, Math.max(size, 1))];
    long remaining = size;
    while (remaining > 0) {
      int n = in.read(buf, 0, (int) Math.min(buf.length, remaining));
      if (n < 0) {
        throw new StateSizeException(size, String.format(
            "the state source ended after %,d bytes; meta.json Size declares %,d", size - remaining, size));
      }
      sha.update(buf, 0, n);
      out.write(buf, 0, n);
      remaining -= n;
    }
    if (in.read() >= 0) {
      throw new StateSizeException(size, String.format(
          "the state source has more than the %,d bytes meta.json Size declares", size));
    }
    return sha.digest();
  }

  private static byte[] sha256(byte[] bytes) {
    return Digests.sha256().digest(bytes);
  }

  /** Rounds to the nearest second, as Go's {@code archive/tar} does with {@code ModTime}. */
  private static Instant roundToSecond(Instant t) {
    return Instant.ofEpochSecond(t.getEpochSecond() + (t.getNano() >= 500_000_000 ? 1 : 0));
  }

  /** Returns the gzip level this writer compresses at, 0 to 9. */
  public int level() {
    return level;
  }

  /** Configures an {@link ArchiveWriter}. Not thread-safe. */
  public static final class Builder {
    private int level = 6;
    private int threads = Runtime.getRuntime().availableProcessors();
    private Clock clock = Clock.systemUTC();

    private Builder() {}

    /**
     * Sets the gzip compression level.
     *
     * @param level 1 (fastest) to 9 (smallest), 0 for none; Consul's default is 6
     * @return this builder
     * @throws IllegalArgumentException outside 0 to 9
     */
    public Builder level(int level) {
      if (level < 0 || level > 9) {
        throw new IllegalArgumentException("gzip level must be 0 to 9, got " + level);
      }
      this.level = level;
      return this;
    }

    /**
     * Sets how many threads compress. The archive's bytes do not depend on it.
     *
     * @param threads at least 1; 1 compresses in the writing thread
     * @return this builder
     * @throws IllegalArgumentException if less than 1
     */
    public Builder threads(int threads) {
      if (threads < 1) {
        throw new IllegalArgumentException("threads must be at least 1, got " + threads);
      }
      this.threads = threads;
      return this;
    }

    /**
     * Sets the clock that stamps the tar entries' mtime.
     *
     * @param clock the clock; a fixed clock makes archives reproducible
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Returns the writer. */
    public ArchiveWriter build() {
      return new ArchiveWriter(this);
    }
  }
}
