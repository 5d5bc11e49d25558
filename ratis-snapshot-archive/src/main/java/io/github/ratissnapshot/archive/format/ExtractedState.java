package io.github.ratissnapshot.archive.format;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The state of a verified archive, held in a file that {@link ArchiveReader#extract} wrote and fsynced:
 * Consul's {@code Read} result.
 *
 * <p>You must arrange to call {@link #close()}, or else you leak the file, unless you
 * {@link #moveTo move} it where it belongs first. Closing twice is safe. Not thread-safe.
 */
public final class ExtractedState implements Closeable {
  /** The suffix of the files {@link ArchiveReader#extract} creates, so leftovers can be recognised. */
  public static final String SUFFIX = ".bin.partial";

  private final ArchiveSummary summary;
  private Path file;

  ExtractedState(ArchiveSummary summary, Path file) {
    this.summary = summary;
    this.file = file;
  }

  /** Returns the verified metadata. */
  public SnapshotMeta meta() {
    return summary.meta();
  }

  /** Returns the archive's verified entries. */
  public ArchiveSummary summary() {
    return summary;
  }

  /**
   * Returns the file holding the state.
   *
   * @throws IllegalStateException after {@link #close()} or {@link #moveTo}
   */
  public Path path() {
    if (file == null) {
      throw new IllegalStateException("the extracted state was closed or moved");
    }
    return file;
  }

  /**
   * Opens the state for reading; the caller closes the stream.
   *
   * @throws IOException if the file cannot be opened
   */
  public InputStream openStream() throws IOException {
    return Files.newInputStream(path());
  }

  /**
   * Moves the state file to {@code target} atomically (same file system) and fsyncs the target's
   * directory; afterwards {@link #close()} leaves the file alone.
   *
   * @param target the final name; replaced if it exists
   * @throws IOException if the move fails; the state file then stays where it was
   */
  public void moveTo(Path target) throws IOException {
    AtomicFile.publish(path(), target, true);
    file = null;
  }

  /** Deletes the state file unless it was moved. */
  @Override
  public void close() throws IOException {
    if (file != null) {
      Files.deleteIfExists(file);
      file = null;
    }
  }
}
