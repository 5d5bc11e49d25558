package io.github.ratissnapshot.archive.format;

import java.io.Closeable;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * A file published whole or not at all, as hashicorp/raft publishes snapshots: written under the
 * temporary name {@code <name>.part}, fsynced, renamed to its final name, and the directory fsynced.
 *
 * <p>A {@code .part} file left by a process that died is recognised by its name and replaced by the next
 * {@code create} of the same target; one that a live process is writing (it holds a lock on it) makes
 * {@code create} fail instead. Until {@link #commit()} nothing exists under the final name;
 * {@link #close()} without a commit deletes the temporary file. One thread writes; {@link #commit()} and
 * {@link #close()} may race (a shutdown hook closing while the writer commits): whichever comes first wins.
 */
public final class AtomicFile implements Closeable {
  /** The suffix of the temporary file. */
  public static final String PART_SUFFIX = ".part";

  private final Path target;
  private final Path part;
  private final boolean overwrite;
  private final FileChannel channel;
  private final FileLock lock;
  private final OutputStream stream;
  private boolean done;

  private AtomicFile(Path target, Path part, boolean overwrite, FileChannel channel, FileLock lock) {
    this.target = target;
    this.part = part;
    this.overwrite = overwrite;
    this.channel = channel;
    this.lock = lock;
    this.stream = new FilterOutputStream(Channels.newOutputStream(channel)) {
      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
      }

      @Override
      public void close() throws IOException {
        flush(); // the file stays open until commit() or close()
      }
    };
  }

  /**
   * Starts writing {@code target} under its temporary name.
   *
   * @param target the final name
   * @param overwrite whether {@link #commit()} may replace an existing {@code target}
   * @return the file being written; the caller must close it
   * @throws FileAlreadyExistsException if {@code target} exists and {@code overwrite} is false
   * @throws IOException if the temporary file cannot be created, or another process is writing it
   */
  public static AtomicFile create(Path target, boolean overwrite) throws IOException {
    Path absolute = target.toAbsolutePath();
    if (!overwrite && Files.exists(absolute)) {
      throw new FileAlreadyExistsException(absolute.toString(), null, "the file already exists");
    }
    Path part = partOf(absolute);
    FileChannel channel = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null; // this JVM is the other writer: same answer as for another process
      }
      if (lock == null) {
        throw new IOException("failed to create " + part + ": another process is writing it");
      }
      channel.truncate(0);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
    return new AtomicFile(absolute, part, overwrite, channel, lock);
  }

  /** Returns the temporary name for {@code target}: {@code <target>.part}. */
  public static Path partOf(Path target) {
    return target.resolveSibling(target.getFileName() + PART_SUFFIX);
  }

  /** Returns the stream to write the content to; closing it neither commits nor closes the file. */
  public OutputStream stream() {
    return stream;
  }

  /** Returns the temporary file's path, for reading back what was written before committing. */
  public Path partPath() {
    return part;
  }

  /** Returns the final path. */
  public Path target() {
    return target;
  }

  /**
   * Fsyncs the content, renames it to the final name and fsyncs the directory.
   *
   * @throws FileAlreadyExistsException if the target appeared meanwhile and overwriting is off; the
   *     temporary file is then deleted by {@link #close()}
   * @throws IOException if syncing or renaming fails
   */
  public synchronized void commit() throws IOException {
    if (done) {
      throw new IllegalStateException("already committed or closed");
    }
    channel.force(true);
    lock.release();
    channel.close();
    publish(part, target, overwrite);
    done = true;
  }

  /** Deletes the temporary file unless committed. Idempotent. */
  @Override
  public synchronized void close() throws IOException {
    if (done) {
      return;
    }
    done = true;
    try {
      if (channel.isOpen()) {
        channel.close();
      }
    } finally {
      Files.deleteIfExists(part);
    }
  }

  /**
   * Renames a complete, fsynced file to its final name and fsyncs the directory.
   *
   * @param source the complete file
   * @param target the final name
   * @param overwrite whether an existing target is replaced; without it the rename fails if it exists,
   *     decided atomically by the file system where it supports hard links
   * @throws IOException if the rename fails; {@code source} then still exists
   */
  static void publish(Path source, Path target, boolean overwrite) throws IOException {
    if (overwrite) {
      try {
        Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(source, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } else {
      try {
        Files.createLink(target, source);
        Files.delete(source);
      } catch (UnsupportedOperationException e) {
        Files.move(source, target);
      }
    }
    syncDirectory(target.toAbsolutePath().getParent());
  }

  /**
   * Fsyncs a directory so that a rename in it survives a crash. A file system that cannot sync
   * directories is tolerated.
   *
   * @param directory the directory
   * @throws IOException if the directory cannot be opened
   */
  public static void syncDirectory(Path directory) throws IOException {
    try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
      dir.force(true);
    } catch (IOException e) {
      if (!Files.isDirectory(directory)) {
        throw e;
      }
      // Some file systems refuse to fsync a directory (EINVAL); the rename is then as durable as they allow.
    }
  }
}
