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
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.UUID;

/**
 * The project's one way to publish a file or a directory whole or not at all, as hashicorp/raft publishes
 * snapshots: write under the temporary name {@code <name>.part}, fsync, rename to the final name, fsync the
 * directory. {@link #create} writes a file that way; {@link #publish} renames something already complete;
 * {@link #write} publishes a small file from bytes.
 *
 * <p>A {@code .part} file left by a process that died is recognised by its name and replaced by the next
 * {@code create} of the same target; one that a live writer holds makes {@code create} fail instead. A
 * writer only ever writes to a file it created itself: it creates and locks it under a name of its own, then
 * takes the {@code .part} name with a hard link (which fails if the name is taken), and keeps the lock until
 * its rename to the final name is durable; so a {@code .part} file whose lock is free belongs to a writer that
 * died, and is removed without being opened for anything but its lock. Until {@link #commit()} nothing exists under the final name;
 * {@link #close()} without a commit deletes the temporary file. One thread writes; {@link #commit()} and
 * {@link #close()} may race (a shutdown hook closing while the writer commits): whichever comes first wins.
 */
public final class AtomicFile implements Closeable {
  /** The suffix of the temporary file. */
  public static final String PART_SUFFIX = ".part";
  private static final int CREATE_ATTEMPTS = 8;

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
   * @throws IOException if the temporary file cannot be created, or another writer holds it
   */
  public static AtomicFile create(Path target, boolean overwrite) throws IOException {
    Path absolute = target.toAbsolutePath();
    if (!overwrite && Files.exists(absolute)) {
      throw new FileAlreadyExistsException(absolute.toString(), null, "the file already exists");
    }
    Path part = partOf(absolute);
    removeStaleClaims(part);
    // Our own file first, under a name nobody else uses, locked before it ever takes the shared .part name:
    // a file named .part whose lock is free therefore belongs to a writer that died.
    Path own = part.resolveSibling(part.getFileName() + "." + UUID.randomUUID());
    FileChannel channel = FileChannel.open(own, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    FileLock lock = null;
    try {
      lock = tryLock(channel);
      if (lock == null) {
        throw new IOException("failed to lock " + own);
      }
      claim(own, part);
      return new AtomicFile(absolute, part, overwrite, channel, lock);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(own);
      if (lock != null) {
        lock.release();
      }
      channel.close();
      throw e;
    }
  }

  /** Gives {@code own} the name {@code part}, replacing a {@code .part} file whose writer died. */
  private static void claim(Path own, Path part) throws IOException {
    for (int attempt = 0; attempt < CREATE_ATTEMPTS; attempt++) {
      try {
        Files.createLink(part, own);
        Files.delete(own);
        return;
      } catch (FileAlreadyExistsException taken) {
        if (!removeIfStale(part)) {
          throw new IOException("failed to create " + part + ": another process is writing it");
        }
      } catch (UnsupportedOperationException noHardLinks) {
        Files.move(own, part); // not atomic against a rival on such file systems; the lock still guards it
        return;
      }
    }
    throw new IOException("failed to create " + part + ": another process is writing it");
  }

  /**
   * Deletes {@code path} if no writer holds it: takes its lock (without ever writing to it), checks that the
   * name still leads to the file it locked, and deletes the name.
   *
   * @return false if a live writer holds it; true if it is gone (deleted, or renamed by its writer meanwhile)
   */
  private static boolean removeIfStale(Path path) throws IOException {
    Object before = fileKey(path);
    if (before == null) {
      return true;
    }
    FileChannel probe;
    try {
      probe = FileChannel.open(path, StandardOpenOption.WRITE);
    } catch (NoSuchFileException gone) {
      return true;
    }
    try (probe) {
      FileLock lock = tryLock(probe);
      if (lock == null) {
        return false;
      }
      try {
        if (before.equals(fileKey(path))) {
          Files.deleteIfExists(path);
        }
        return true;
      } finally {
        lock.release();
      }
    }
  }

  /** Removes the unique files of writers of this target that died before they claimed the {@code .part} name. */
  private static void removeStaleClaims(Path part) throws IOException {
    String prefix = part.getFileName() + ".";
    try (DirectoryStream<Path> siblings = Files.newDirectoryStream(part.getParent(), prefix + "*")) {
      for (Path p : siblings) {
        String rest = p.getFileName().toString().substring(prefix.length());
        if (rest.length() == 36 && rest.chars().allMatch(c -> c == '-' || Character.digit(c, 16) >= 0)) {
          removeIfStale(p);
        }
      }
    } catch (NoSuchFileException noDirectory) {
      // create() fails next with the directory's name
    } catch (NotDirectoryException e) {
      throw new FileSystemException(part.getParent().toString(), null, "Not a directory");
    }
  }

  /**
   * Publishes {@code content} as {@code target} whole or not at all, for small files such as a checksum line
   * or a configuration record; large content goes through {@link #create} as a stream.
   *
   * @param target the final name; replaced if it exists
   * @param content the bytes
   * @throws IOException if writing or renaming fails; {@code target} is then unchanged
   */
  public static void write(Path target, byte[] content) throws IOException {
    try (AtomicFile file = create(target, true)) {
      file.stream().write(content);
      file.commit();
    }
  }

  /**
   * Removes the temporary files that writers of {@code target} which died left behind: its {@code .part}
   * and any unclaimed temporary file, each only if no live writer holds it. The target is never touched.
   *
   * @param target the final name whose leftovers to remove
   * @return true if no temporary file of {@code target} remains; false if a live writer holds one
   * @throws IOException if the directory cannot be read or a leftover cannot be deleted
   */
  public static boolean removeLeftovers(Path target) throws IOException {
    Path part = partOf(target.toAbsolutePath());
    removeStaleClaims(part);
    return removeIfStale(part);
  }

  /** Returns the temporary name for {@code target}: {@code <target>.part}. */
  public static Path partOf(Path target) {
    return target.resolveSibling(target.getFileName() + PART_SUFFIX);
  }

  /** Returns the stream to write the content to; closing it neither commits nor closes the file. */
  public OutputStream stream() {
    return stream;
  }

  /**
   * Empties the temporary file, to write its content again from the start through {@link #stream()}: for a
   * writer that learns midway that what it wrote so far is void. Bytes buffered above the stream must be
   * dropped, not flushed, or flushed before this call.
   *
   * @throws IllegalStateException if committed or closed
   * @throws IOException if truncating fails
   */
  public synchronized void truncate() throws IOException {
    if (done) {
      throw new IllegalStateException("already committed or closed");
    }
    channel.truncate(0);
    channel.position(0);
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
   * Fsyncs the content, renames it to the final name and fsyncs the directory, all while holding the lock
   * that keeps another writer of the same target away.
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
    publish(part, target, overwrite);
    done = true;
    release();
  }

  /** Deletes the temporary file unless committed. Idempotent. */
  @Override
  public synchronized void close() throws IOException {
    if (done) {
      return;
    }
    done = true;
    try {
      Files.deleteIfExists(part);
    } finally {
      release();
    }
  }

  /**
   * Renames a complete, fsynced file or directory to its final name and fsyncs the directory that holds it.
   *
   * @param source the complete file or directory, on the same file system as {@code target}
   * @param target the final name
   * @param overwrite whether an existing target is replaced (for a directory, only an empty one); without it
   *     the rename fails if the target exists, decided atomically by the file system for files where it
   *     supports hard links
   * @throws FileAlreadyExistsException if the target exists and may not be replaced
   * @throws IOException if the rename fails; {@code source} then still exists
   */
  public static void publish(Path source, Path target, boolean overwrite) throws IOException {
    if (Files.isDirectory(source, LinkOption.NOFOLLOW_LINKS)) {
      if (overwrite) {
        Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } else if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
        throw new FileAlreadyExistsException(target.toString(), null, "the directory already exists");
      } else {
        Files.move(source, target, StandardCopyOption.ATOMIC_MOVE);
      }
    } else if (overwrite) {
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

  private void release() throws IOException {
    try {
      if (lock.isValid()) {
        lock.release();
      }
    } finally {
      channel.close();
    }
  }

  private static FileLock tryLock(FileChannel channel) throws IOException {
    try {
      return channel.tryLock();
    } catch (OverlappingFileLockException e) {
      return null; // this JVM is the other writer: same answer as for another process
    }
  }

  /** Returns the identity of the file a path names (device and inode where the system has them), or null. */
  private static Object fileKey(Path path) throws IOException {
    try {
      Object key = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
      return key != null ? key : Boolean.TRUE; // no identity on this system: existence is all it can tell
    } catch (NoSuchFileException e) {
      return null;
    }
  }
}
