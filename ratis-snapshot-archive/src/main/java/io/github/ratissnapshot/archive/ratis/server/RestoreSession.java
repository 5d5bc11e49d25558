package io.github.ratissnapshot.archive.ratis.server;

import io.github.ratissnapshot.archive.format.ArchiveException;
import io.github.ratissnapshot.archive.format.ArchiveReader;
import io.github.ratissnapshot.archive.format.ArchiveSummary;
import io.github.ratissnapshot.archive.format.Digests;
import io.github.ratissnapshot.archive.format.ExtractedState;
import io.github.ratissnapshot.archive.ratis.protocol.Membership;
import io.github.ratissnapshot.archive.ratis.protocol.RemoteProblem;
import io.github.ratissnapshot.archive.ratis.protocol.RestoreStage;
import io.github.ratissnapshot.archive.ratis.protocol.RestoreStatus;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * One replica's side of an open online restore: the archive's chunks, as the log delivers them, staged
 * in a file; verified and extracted as soon as the last byte arrives; swapped in at {@code COMMIT}.
 *
 * <p>A replica's verdict on the archive is deterministic (every replica stages the same bytes from the
 * same log), except for local failures such as a full disk, which are reported as
 * {@link RestoreStage#LOCAL_FAILURE} so that the client can abort before anything changes. A chunk that
 * arrives again (its number is below the next one expected: a client that resent it on a new connection)
 * is ignored; one that skips ahead makes the transfer invalid. No method throws: faults become the
 * session's stage. Not thread-safe: the updater thread drives it, and {@link #status()} copies volatile
 * fields for queries.
 */
final class RestoreSession implements AutoCloseable {
  private final UUID id;
  private final long archiveBytes;
  private final TermIndex beforeBegin;
  private final long beginIndex;
  private final Path directory;
  private final Path stagingFile;
  private final MessageDigest transferSha = Digests.sha256();
  private final TreeMap<Long, Membership> configurations = new TreeMap<>();
  private FileChannel channel;
  private long nextSeq;
  private volatile long staged;
  private volatile RestoreStage stage = RestoreStage.STAGING;
  private volatile String problem;
  private volatile String message = "";
  private ExtractedState extracted;
  private String stateMd5Hex;

  /**
   * Opens a session.
   *
   * @param id the restore's id
   * @param archiveBytes the archive's declared size
   * @param beforeBegin the applied term and index just before the {@code BEGIN} entry: the application's
   *     state does not change from there until the session ends
   * @param beginIndex the index of the {@code BEGIN} entry
   * @param directory where staging files go (the group's archive directory, outside {@code sm/})
   */
  RestoreSession(UUID id, long archiveBytes, TermIndex beforeBegin, long beginIndex, Path directory) {
    this.id = id;
    this.archiveBytes = archiveBytes;
    this.beforeBegin = beforeBegin;
    this.beginIndex = beginIndex;
    this.directory = directory;
    this.stagingFile = directory.resolve(id + ".snap" + ExtractedState.SUFFIX);
    if (archiveBytes < 0) {
      invalid(RemoteProblem.TRANSFER.name(), "restore " + id + " declares a negative size " + archiveBytes);
      return;
    }
    try {
      Files.createDirectories(directory);
      channel = FileChannel.open(stagingFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING);
    } catch (IOException e) {
      localFailure("failed to create staging file " + stagingFile + ": " + e.getMessage());
      return;
    }
    if (archiveBytes == 0) {
      verify();
    }
  }

  UUID id() {
    return id;
  }

  TermIndex beforeBegin() {
    return beforeBegin;
  }

  RestoreStage stage() {
    return stage;
  }

  String problem() {
    return problem;
  }

  String message() {
    return message;
  }

  /** Returns what a {@code STATUS} query reports. */
  RestoreStatus status() {
    return new RestoreStatus(stage, staged, archiveBytes, problem, message);
  }

  /**
   * Stages one chunk; surplus or unwritable chunks decide the session's verdict. A chunk below the next one
   * expected (sent again) or above it (an earlier one never reached the log: Ratis can answer a write with an
   * exception, such as a leader stepping down, and append the ones after it) is ignored, the same way on
   * every replica; the reply's staged bytes tell the client where to resend from.
   */
  void append(long seq, ByteString payload) {
    if (stage != RestoreStage.STAGING || seq != nextSeq) {
      return; // finished, a chunk sent again, or one that came before its predecessor
    }
    if (staged + payload.size() > archiveBytes) {
      invalid(RemoteProblem.TRANSFER.name(), String.format(
          "restore %s: chunks hold more than the %,d bytes BEGIN declared", id, archiveBytes));
      return;
    }
    try {
      for (ByteBuffer b : payload.asReadOnlyByteBufferList()) {
        transferSha.update(b.duplicate());
        while (b.hasRemaining()) {
          channel.write(b);
        }
      }
    } catch (IOException e) {
      localFailure("failed to stage chunk " + seq + " in " + stagingFile + ": " + e.getMessage());
      return;
    }
    staged += payload.size();
    nextSeq++;
    if (staged == archiveBytes) {
      verify();
    }
  }

  /**
   * Remembers a configuration entry applied while the session is open; those before a {@code COMMIT} decide
   * which membership is in force at it.
   */
  void configurationApplied(long index, Membership membership) {
    if (index > beginIndex) {
      configurations.put(index, membership);
    }
  }

  /**
   * Returns the last configuration set by an entry between {@code BEGIN} and {@code index}, or null if none
   * was: the same answer on every replica, since all apply the same entries in the same order.
   */
  Membership configurationBefore(long index) {
    Map.Entry<Long, Membership> e = configurations.lowerEntry(index);
    return e == null ? null : e.getValue();
  }

  /** Returns the index of the configuration entry {@link #configurationBefore} found. */
  long configurationIndexBefore(long index) {
    Long k = configurations.lowerKey(index);
    return k == null ? -1 : k;
  }

  /**
   * Checks that the client's {@code COMMIT} matches what arrived; afterwards {@link #stage()} is
   * {@link RestoreStage#READY} only if the restore may be applied.
   */
  void checkCommit(long chunks, byte[] sha256) {
    if (stage == RestoreStage.STAGING) {
      invalid(RemoteProblem.TRANSFER.name(), String.format(
          "restore %s: COMMIT after %,d of the %,d bytes BEGIN declared", id, staged, archiveBytes));
    } else if (stage == RestoreStage.READY && chunks != nextSeq) {
      invalid(RemoteProblem.TRANSFER.name(), "restore " + id + ": COMMIT counts " + chunks
          + " chunks, " + nextSeq + " arrived");
    } else if (stage == RestoreStage.READY && !MessageDigest.isEqual(sha256, transferSha.digest())) {
      invalid(RemoteProblem.TRANSFER.name(), "restore " + id + ": SHA-256 of the chunks received differs "
          + "from the client's " + Digests.hex(sha256));
    }
  }

  /** Returns the verified archive's summary; valid when {@link RestoreStage#READY}. */
  ArchiveSummary summary() {
    return extracted.summary();
  }

  /** Opens the extracted state; valid when {@link RestoreStage#READY}. */
  InputStream openState() throws IOException {
    return new BufferedInputStream(extracted.openStream(), 1 << 20);
  }

  /**
   * Hands the extracted state file over to the caller, who must move or delete it; valid when
   * {@link RestoreStage#READY}.
   */
  Path takeStateFile() {
    Path f = extracted.path();
    extracted = null;
    return f;
  }

  /** Returns the MD5 of the extracted state, for its native snapshot's {@code .md5}. */
  String stateMd5Hex() {
    return stateMd5Hex;
  }

  /** Deletes whatever this session still holds on disk. */
  @Override
  public void close() {
    closeChannel();
    deleteQuietly(stagingFile);
    if (extracted != null) {
      try {
        extracted.close();
      } catch (IOException ignored) {
        // a leftover state file is removed when the state machine next starts
      }
      extracted = null;
    }
  }

  /** Verifies the staged archive and extracts its state beside it ({@code state-*.bin.partial}), with its MD5. */
  private void verify() {
    closeChannel();
    MessageDigest md5 = Digests.md5();
    try (InputStream in = new BufferedInputStream(Files.newInputStream(stagingFile), 1 << 16)) {
      extracted = ArchiveReader.defaults().extract(in, directory, md5);
      stateMd5Hex = Digests.hex(md5.digest());
      stage = RestoreStage.READY;
      message = "archive " + extracted.meta().id() + " verified";
    } catch (ArchiveException e) {
      invalid(e.problem().name(), e.getMessage());
    } catch (IOException | RuntimeException e) {
      localFailure("failed to verify and extract the staged archive: " + e.getMessage());
    } finally {
      deleteQuietly(stagingFile);
    }
  }

  private void invalid(String wireName, String why) {
    finish(RestoreStage.INVALID, wireName, why);
  }

  private void localFailure(String why) {
    finish(RestoreStage.LOCAL_FAILURE, RemoteProblem.LOCAL_FAILURE.name(), why);
  }

  private void finish(RestoreStage s, String p, String m) {
    this.problem = p;
    this.message = m;
    this.stage = s;
    closeChannel();
    deleteQuietly(stagingFile);
  }

  private void closeChannel() {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException ignored) {
        // the file is deleted or verified next; nothing more can be done with the channel
      }
      channel = null;
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException ignored) {
      // a leftover staging file is removed when the state machine next starts
    }
  }
}
