package io.github.ratissnapshot.archive.agent;

import io.github.ratissnapshot.archive.format.Snapshot;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * An agent's own directory for archives between save and publish: {@code <scratch>/ratis-snapshot-agent-<group>},
 * locked ({@code agent.lock}) while the agent runs. Whoever takes the lock removes the temporary archives a
 * killed agent of the same group left there; without the lock (another agent of the group uses the directory
 * now) nothing is removed. The agent closes it, which releases the lock; the directory and lock file stay.
 */
final class AgentScratch implements AutoCloseable {
  private final Path directory;
  private FileChannel lockFile;
  private FileLock lock;

  AgentScratch(Path scratch, UUID group) {
    this.directory = scratch.resolve("ratis-snapshot-agent-" + group);
  }

  /** Returns the directory, created if missing. */
  Path directory() throws IOException {
    return Files.createDirectories(directory);
  }

  /**
   * Takes the lock if nobody holds it and removes the temporary archives in the directory.
   *
   * @return the paths removed; empty if the lock is held elsewhere
   * @throws IOException if the directory cannot be created or read, or a leftover cannot be removed
   */
  List<String> cleanUp() throws IOException {
    List<String> removed = new ArrayList<>();
    if (!lock()) {
      return removed;
    }
    try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(directory, "*" + Snapshot.SUFFIX)) {
      for (Path p : leftovers) {
        Files.deleteIfExists(p);
        removed.add(p.toString());
      }
    }
    removed.sort(null);
    return removed;
  }

  private boolean lock() throws IOException {
    if (lock != null) {
      return true;
    }
    directory();
    FileChannel ch = FileChannel.open(directory.resolve("agent.lock"), StandardOpenOption.CREATE,
        StandardOpenOption.WRITE);
    try {
      FileLock l = ch.tryLock();
      if (l == null) {
        ch.close();
        return false;
      }
      lockFile = ch;
      lock = l;
      return true;
    } catch (OverlappingFileLockException heldInThisJvm) {
      ch.close();
      return false;
    }
  }

  /** Releases the lock, if taken. */
  @Override
  public void close() throws IOException {
    if (lockFile != null) {
      lockFile.close(); // releases the lock
      lockFile = null;
      lock = null;
    }
  }
}
