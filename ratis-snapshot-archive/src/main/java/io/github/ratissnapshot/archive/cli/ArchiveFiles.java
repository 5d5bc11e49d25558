package io.github.ratissnapshot.archive.cli;

import io.github.ratissnapshot.archive.format.ArchiveReader;
import io.github.ratissnapshot.archive.format.ArchiveSummary;
import io.github.ratissnapshot.archive.store.ArchiveStore;
import io.github.ratissnapshot.archive.store.ArchiveStores;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Optional;

/**
 * Archives named on the command line: a file, standard input for {@code -}, or an archive in a store
 * ({@link ArchiveSource}). Reading verifies, with a progress line.
 */
final class ArchiveFiles {
  /** How many of the archive's first (compressed) bytes are kept to tell which tool wrote it. */
  private static final int HEAD_BYTES = 64 * 1024;

  private ArchiveFiles() {}

  /**
   * A verified archive.
   *
   * @param summary what it holds
   * @param archiveBytes its size
   * @param head its first bytes, for {@link io.github.ratissnapshot.archive.format.ArchiveOrigin#guess}
   */
  record Verified(ArchiveSummary summary, long archiveBytes, byte[] head) {}

  /** Returns whether {@code file} is {@code -}, standard input or output. */
  static boolean isStandardStream(Path file) {
    return file.toString().equals("-");
  }

  /**
   * Verifies the archive in {@code file} (standard input for {@code -}), showing progress on {@code err}
   * when it is a terminal.
   *
   * @throws java.nio.file.FileSystemException if {@code file} is missing or a directory
   * @throws io.github.ratissnapshot.archive.format.ArchiveException if the archive is invalid
   */
  static Verified verify(ArchiveSource file, PrintWriter err) throws IOException {
    try (Progress progress = Progress.start("verifying", sizeOf(file), err);
        Head in = new Head(progress.count(open(file)))) {
      ArchiveSummary s = ArchiveReader.defaults().verify(in);
      return new Verified(s, in.count, in.head());
    }
  }

  /**
   * Opens an archive (standard input for {@code -}, which closing the stream leaves open; an archive in a
   * store, whose store closing the stream closes), buffered.
   *
   * @throws java.nio.file.FileSystemException if the file is missing or a directory, or the store has no
   *     such archive
   */
  static InputStream open(ArchiveSource source) throws IOException {
    if (source.isStandardStream()) {
      return new BufferedInputStream(standardInput(), 1 << 16);
    }
    Optional<ArchiveSource.InStore> remote = source.inStore();
    if (remote.isPresent()) {
      ArchiveStore store = ArchiveStores.open(remote.get().location());
      try {
        InputStream in = store.open(remote.get().name());
        return new BufferedInputStream(new FilterInputStream(in) {
          @Override
          public void close() throws IOException {
            try {
              super.close();
            } finally {
              store.close();
            }
          }
        }, 1 << 16);
      } catch (IOException | RuntimeException e) {
        store.close();
        throw e;
      }
    }
    PathChecks.readableFile(source.path());
    return new BufferedInputStream(Files.newInputStream(source.path()), 1 << 16);
  }

  /** Returns the size of an archive file, or -1 for standard input, a store, or a file that cannot be read. */
  static long sizeOf(ArchiveSource source) {
    try {
      return source.isStandardStream() || source.inStore().isPresent() ? -1 : Files.size(source.path());
    } catch (IOException e) {
      return -1; // open() reports why
    }
  }

  /**
   * Returns the archive as a file: the file itself, or a temporary copy of standard input or of the archive
   * in a store (for commands that read it more than once); {@code cleanup} deletes the copy.
   */
  static Path fileOf(ArchiveSource source, TemporaryFiles cleanup) throws IOException {
    if (!source.isStandardStream() && source.inStore().isEmpty()) {
      PathChecks.readableFile(source.path());
      return source.path();
    }
    Path copy = cleanup.add(Files.createTempFile("ratis-snapshot-copy-", ".snap"));
    try (InputStream in = open(source)) {
      Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
    }
    return copy;
  }

  private static InputStream standardInput() {
    return new FilterInputStream(System.in) {
      @Override
      public void close() {
        // standard input stays open for the JVM
      }
    };
  }

  /** Counts the bytes read through it and keeps the first {@link #HEAD_BYTES}. */
  private static final class Head extends FilterInputStream {
    private final byte[] head = new byte[HEAD_BYTES];
    private long count;

    Head(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        if (count < HEAD_BYTES) {
          head[(int) count] = (byte) b;
        }
        count++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        keep(b, off, n);
      }
      return n;
    }

    private void keep(byte[] b, int off, int n) {
      if (count < HEAD_BYTES) {
        System.arraycopy(b, off, head, (int) count, (int) Math.min(n, HEAD_BYTES - count));
      }
      count += n;
    }

    byte[] head() {
      return Arrays.copyOf(head, (int) Math.min(count, HEAD_BYTES));
    }
  }
}
