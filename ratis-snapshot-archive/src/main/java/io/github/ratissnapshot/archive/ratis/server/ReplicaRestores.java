package io.github.ratissnapshot.archive.ratis.server;

import io.github.ratissnapshot.archive.format.AtomicFile;
import io.github.ratissnapshot.archive.ratis.protocol.Membership;
import io.github.ratissnapshot.archive.ratis.protocol.RestoreOutcome;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.apache.ratis.server.protocol.TermIndex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The restores of one replica: the one open (at most one), the state a committed restore left waiting to
 * become the next native snapshot, and how the last restore ended, which is kept in a small file so that a
 * client that lost the reply to its {@code COMMIT}, or an operator, can ask after a restart.
 *
 * <p>Threads: the updater thread changes it; query threads read {@link #open()} and {@link #last()}.
 */
final class ReplicaRestores implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ReplicaRestores.class);

  /**
   * A restored state waiting to become the native snapshot.
   *
   * @param file the extracted state
   * @param md5Hex its MD5
   * @param sha256Hex its SHA-256, as the archive listed it and the extraction checked it
   * @param at the {@code COMMIT} entry that swapped it in
   */
  record Pending(Path file, String md5Hex, String sha256Hex, TermIndex at) {
    void discard() {
      try {
        Files.deleteIfExists(file);
      } catch (IOException e) {
        LOG.warn("failed to delete {}", file, e);
      }
    }
  }

  private final Path stagingDir;
  private final Path lastFile;
  private final String serverName;
  private volatile RestoreSession open;
  private volatile RestoreOutcome last;
  private Pending pending;

  /**
   * Binds to a group's archive directory, removes staging files an earlier run left, and reads how the
   * last restore ended.
   *
   * @param archiveDir the group's {@code archive} directory
   * @param serverName the server, for logs
   * @throws IOException if the directory cannot be prepared
   */
  ReplicaRestores(Path archiveDir, String serverName) throws IOException {
    this.stagingDir = archiveDir.resolve("staging");
    this.lastFile = archiveDir.resolve("last-restore");
    this.serverName = serverName;
    Files.createDirectories(stagingDir);
    try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(stagingDir)) {
      for (Path f : leftovers) {
        Files.deleteIfExists(f);
      }
    }
    if (Files.exists(lastFile)) {
      try {
        last = RestoreOutcome.fromBytes(Files.readAllBytes(lastFile));
      } catch (IOException e) {
        LOG.warn("{}: ignoring unreadable {}: {}", serverName, lastFile, e.toString());
      }
    }
  }

  /** Returns the open restore, or null. */
  RestoreSession open() {
    return open;
  }

  /** Returns how the last restore ended here, or null. */
  RestoreOutcome last() {
    return last;
  }

  /** Opens a restore, abandoning any other that is open. */
  RestoreSession begin(UUID id, long archiveBytes, TermIndex beforeBegin, long beginIndex) {
    abandon("restore " + id + " began");
    discardPending();
    open = new RestoreSession(id, archiveBytes, beforeBegin, beginIndex, stagingDir);
    return open;
  }

  /** Abandons the open restore, if any, without recording an outcome (it is replayed from the log). */
  void abandon(String why) {
    RestoreSession s = open;
    if (s != null) {
      LOG.info("{}: restore {} abandoned: {}", serverName, s.id(), why);
      s.close();
      open = null;
    }
  }

  /** Ends the open restore with an outcome, which is kept. */
  void end(RestoreOutcome outcome) {
    RestoreSession s = open;
    if (s != null) {
      s.close();
      open = null;
    }
    last = outcome;
    try {
      AtomicFile.write(lastFile, outcome.toBytes());
    } catch (IOException e) {
      LOG.warn("{}: failed to record the outcome of restore {} in {}: {}", serverName, outcome.restoreId(),
          lastFile, e.toString());
    }
  }

  /** Passes a configuration entry to the open restore. */
  void configurationApplied(long index, Membership membership) {
    RestoreSession s = open;
    if (s != null) {
      s.configurationApplied(index, membership);
    }
  }

  /** Keeps a restored state until the next snapshot. */
  void setPending(Pending p) {
    discardPending();
    pending = p;
  }

  /** Takes the restored state waiting for a snapshot, or null. */
  Pending takePending() {
    Pending p = pending;
    pending = null;
    return p;
  }

  /** Deletes the restored state waiting for a snapshot: the application's state is about to change. */
  void discardPending() {
    Pending p = takePending();
    if (p != null) {
      p.discard();
    }
  }

  /** Abandons the open restore and deletes its files. */
  @Override
  public void close() {
    abandon("the state machine closed");
    discardPending();
  }
}
