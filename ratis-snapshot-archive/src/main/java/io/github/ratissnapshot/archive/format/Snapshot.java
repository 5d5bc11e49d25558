package io.github.ratissnapshot.archive.format;

import java.io.Closeable;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A complete archive held in a temporary file, as Consul's {@code snapshot.Snapshot}: written once by
 * {@link #write}, then read as often as needed.
 *
 * <p>You must arrange to call {@link #close()} whenever {@link #write} has returned, or else you will leak
 * a temporary file. Closing twice is safe. Thread-safe for reading; {@link #close()} while a stream is
 * open leaves that stream readable on POSIX systems.
 */
public final class Snapshot implements Closeable {
  /** The suffix of the temporary archive files, so leftovers can be recognised. */
  public static final String SUFFIX = ".snap.tmp";

  private final ArchiveSummary summary;
  private final Path file;
  private final long archiveBytes;
  private volatile boolean closed;

  private Snapshot(ArchiveSummary summary, Path file, long archiveBytes) {
    this.summary = summary;
    this.file = file;
    this.archiveBytes = archiveBytes;
  }

  /**
   * Writes an archive of {@code meta} and its state into a new temporary file in {@code directory}.
   *
   * @param meta the metadata; exactly {@code meta.size()} bytes of state are copied
   * @param state the state; not closed
   * @param directory where the temporary file is created
   * @param writer the archive writer
   * @return the snapshot; the caller must close it
   * @throws IOException if the state is not {@code Size} bytes or writing fails; no file is left behind
   */
  public static Snapshot write(SnapshotMeta meta, InputStream state, Path directory, ArchiveWriter writer)
      throws IOException {
    return write(directory, out -> writer.write(out, meta, state));
  }

  /**
   * Writes an archive of {@code meta} and its state, arriving compressed, into a new temporary file in
   * {@code directory}: see {@link ArchiveWriter#write(OutputStream, SnapshotMeta, DeflatedState)}.
   *
   * @param meta the metadata; the segments must inflate to exactly {@code meta.size()} bytes
   * @param state the compressed state
   * @param directory where the temporary file is created
   * @param writer the archive writer, whose level the segments were compressed at
   * @return the snapshot; the caller must close it
   * @throws IOException if the state is not {@code Size} bytes, a segment is corrupt or writing fails; no file
   *     is left behind
   */
  public static Snapshot write(SnapshotMeta meta, DeflatedState state, Path directory, ArchiveWriter writer)
      throws IOException {
    return write(directory, out -> writer.write(out, meta, state));
  }

  /**
   * Writes an archive of {@code meta} and its state, compressed and vouched for by its source, into a new
   * temporary file in {@code directory}: see {@link ArchiveWriter#writeVouched}. Nothing checks the state's
   * bytes on the way; the caller must verify the file ({@link ArchiveReader#verifyWritten}) before it relies
   * on it.
   *
   * @param meta the metadata; the segments must vouch for exactly {@code meta.size()} bytes
   * @param state the compressed state
   * @param directory where the temporary file is created
   * @param writer the archive writer, whose level the segments were compressed at
   * @return the snapshot; the caller must close it
   * @throws IOException if the segments vouch for other than {@code Size} bytes or writing fails; no file is
   *     left behind
   */
  public static Snapshot writeVouched(SnapshotMeta meta, VouchedDeflatedState state, Path directory,
      ArchiveWriter writer) throws IOException {
    return write(directory, out -> writer.writeVouched(out, meta, state));
  }

  private interface ArchiveBody {
    ArchiveSummary writeTo(OutputStream out) throws IOException;
  }

  private static Snapshot write(Path directory, ArchiveBody body) throws IOException {
    Path file = Files.createTempFile(directory, "snapshot-", SUFFIX);
    boolean ok = false;
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
      OutputStream out = new NamingFailures(Channels.newOutputStream(channel), file);
      ArchiveSummary summary = body.writeTo(out);
      try {
        channel.force(true);
      } catch (IOException e) {
        throw NamingFailures.named(file, e);
      }
      ok = true;
      return new Snapshot(summary, file, channel.size());
    } finally {
      if (!ok) {
        Files.deleteIfExists(file);
      }
    }
  }

  /** Returns the index of the snapshot, from its metadata. */
  public long index() {
    return summary.meta().index();
  }

  /** Returns the metadata. */
  public SnapshotMeta meta() {
    return summary.meta();
  }

  /** Returns the entries written, with their SHA-256. */
  public ArchiveSummary summary() {
    return summary;
  }

  /** Returns the size of the compressed archive in bytes. */
  public long archiveBytes() {
    return archiveBytes;
  }

  /**
   * Returns the temporary file; valid until {@link #close()}.
   *
   * @throws IllegalStateException after {@link #close()}
   */
  public Path path() {
    if (closed) {
      throw new IllegalStateException("snapshot closed");
    }
    return file;
  }

  /**
   * Opens the archive from its start; the caller closes the stream.
   *
   * @throws IOException if the file cannot be opened
   * @throws IllegalStateException after {@link #close()}
   */
  public InputStream openStream() throws IOException {
    return Files.newInputStream(path());
  }

  /** Deletes the temporary file. */
  @Override
  public void close() throws IOException {
    if (!closed) {
      closed = true;
      Files.deleteIfExists(file);
    }
  }

  /**
   * Names the file in a write failure (a full disk says only "No space left on device"), so that an operator
   * knows which disk; failures reading the state pass through as they are.
   */
  private static final class NamingFailures extends FilterOutputStream {
    private final Path file;

    NamingFailures(OutputStream out, Path file) {
      super(out);
      this.file = file;
    }

    @Override
    public void write(int b) throws IOException {
      try {
        out.write(b);
      } catch (IOException e) {
        throw named(file, e);
      }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      try {
        out.write(b, off, len);
      } catch (IOException e) {
        throw named(file, e);
      }
    }

    @Override
    public void flush() throws IOException {
      try {
        out.flush();
      } catch (IOException e) {
        throw named(file, e);
      }
    }

    static IOException named(Path file, IOException e) {
      if (e instanceof FileSystemException) {
        return e;
      }
      FileSystemException f = new FileSystemException(file.toString(), null, e.getMessage());
      f.initCause(e);
      return f;
    }
  }
}
