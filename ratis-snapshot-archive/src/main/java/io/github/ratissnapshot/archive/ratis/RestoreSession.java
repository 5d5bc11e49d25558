package io.github.ratissnapshot.archive.ratis;

import io.github.ratissnapshot.archive.format.ArchiveException;
import io.github.ratissnapshot.archive.format.ArchiveReader;
import io.github.ratissnapshot.archive.format.ArchiveSummary;
import io.github.ratissnapshot.archive.format.ExtractedState;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.UUID;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.MD5FileUtil;

/**
 * One replica's side of an open online restore: the archive's chunks, as the log delivers them, staged
 * in a file; verified and extracted as soon as the last byte arrives; swapped in at {@code COMMIT}.
 *
 * <p>A replica's verdict on the archive is deterministic (every replica stages the same bytes from the
 * same log), except for local failures such as a full disk, which are reported as
 * {@link Stage#LOCAL_FAILURE} so that the client can abort before anything changes. No method throws:
 * faults become the session's stage. Not thread-safe: the updater thread drives it, and
 * {@link #status()} copies volatile fields for queries.
 */
final class RestoreSession implements AutoCloseable {
  /** How far a replica got with a restore. */
  enum Stage {
    /** No restore with that id is open here. */
    NONE,
    /** Chunks are arriving. */
    STAGING,
    /** The whole archive arrived, verified, and its state is extracted: ready to commit. */
    READY,
    /** The archive or its transfer is invalid; every replica reaches the same verdict. */
    INVALID,
    /** This replica could not stage or extract the archive (disk full, I/O error). */
    LOCAL_FAILURE
  }

  private final UUID id;
  private final long archiveBytes;
  private final TermIndex beforeBegin;
  private final Path directory;
  private final Path stagingFile;
  private final MessageDigest transferSha = sha256();
  private FileChannel channel;
  private long nextSeq;
  private volatile long staged;
  private volatile Stage stage = Stage.STAGING;
  private volatile String problem;
  private volatile String message = "";
  private Path stateFile;
  private MD5Hash stateMd5;
  private ArchiveSummary summary;

  /**
   * Opens a session.
   *
   * @param id the restore's id
   * @param archiveBytes the archive's declared size
   * @param beforeBegin the applied term and index just before the {@code BEGIN} entry: the application's
   *     state does not change from there until the session ends
   * @param directory where staging files go (the group's archive directory, outside {@code sm/})
   */
  RestoreSession(UUID id, long archiveBytes, TermIndex beforeBegin, Path directory) {
    this.id = id;
    this.archiveBytes = archiveBytes;
    this.beforeBegin = beforeBegin;
    this.directory = directory;
    this.stagingFile = directory.resolve(id + ".snap" + ExtractedState.SUFFIX);
    if (archiveBytes < 0) {
      invalid(RemoteArchiveException.TRANSFER, "restore " + id + " declares a negative size " + archiveBytes);
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

  Stage stage() {
    return stage;
  }

  String problem() {
    return problem;
  }

  String message() {
    return message;
  }

  /** Returns what a {@code STATUS} query reports. */
  ArchiveProtocol.RestoreStatus status() {
    return new ArchiveProtocol.RestoreStatus(stage, staged, archiveBytes, problem, message);
  }

  /** Stages one chunk; out-of-order, surplus or unwritable chunks decide the session's verdict. */
  void append(long seq, ByteString payload) {
    if (stage != Stage.STAGING) {
      return;
    }
    if (seq != nextSeq) {
      invalid(RemoteArchiveException.TRANSFER, "restore " + id + ": chunk " + seq + " arrived where chunk "
          + nextSeq + " was expected");
      return;
    }
    if (staged + payload.size() > archiveBytes) {
      invalid(RemoteArchiveException.TRANSFER, String.format(
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
   * Checks that the client's {@code COMMIT} matches what arrived; afterwards {@link #stage()} is
   * {@link Stage#READY} only if the restore may be applied.
   */
  void checkCommit(long chunks, byte[] sha256) {
    if (stage == Stage.STAGING) {
      invalid(RemoteArchiveException.TRANSFER, String.format(
          "restore %s: COMMIT after %,d of the %,d bytes BEGIN declared", id, staged, archiveBytes));
    } else if (stage == Stage.READY && chunks != nextSeq) {
      invalid(RemoteArchiveException.TRANSFER, "restore " + id + ": COMMIT counts " + chunks
          + " chunks, " + nextSeq + " arrived");
    } else if (stage == Stage.READY && !MessageDigest.isEqual(sha256, transferSha.digest())) {
      invalid(RemoteArchiveException.TRANSFER, "restore " + id + ": SHA-256 of the chunks received differs "
          + "from the client's " + HexFormat.of().formatHex(sha256));
    }
  }

  /** Returns the verified archive's summary; valid when {@link Stage#READY}. */
  ArchiveSummary summary() {
    return summary;
  }

  /** Opens the extracted state; valid when {@link Stage#READY}. */
  InputStream openState() throws IOException {
    return new BufferedInputStream(Files.newInputStream(stateFile), 1 << 20);
  }

  /**
   * Hands the extracted state file over to the caller, who must move or delete it; valid when
   * {@link Stage#READY}.
   */
  Path takeStateFile() {
    Path f = stateFile;
    stateFile = null;
    return f;
  }

  /** Returns the MD5 of the extracted state, for its native snapshot's {@code .md5}. */
  MD5Hash stateMd5() {
    return stateMd5;
  }

  /** Deletes whatever this session still holds on disk. */
  @Override
  public void close() {
    closeChannel();
    deleteQuietly(stagingFile);
    if (stateFile != null) {
      deleteQuietly(stateFile);
      stateFile = null;
    }
  }

  private void verify() {
    closeChannel();
    Path state = directory.resolve(id + ".state" + ExtractedState.SUFFIX);
    MessageDigest md5 = MD5FileUtil.newMD5();
    try (InputStream in = new BufferedInputStream(Files.newInputStream(stagingFile), 1 << 16);
        FileChannel out = FileChannel.open(state, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      OutputStream sink = new BufferedOutputStream(new DigestOutputStream(Channels.newOutputStream(out), md5),
          1 << 20);
      summary = ArchiveReader.defaults().read(in, sink);
      sink.flush();
      out.force(true);
      stateFile = state;
      stateMd5 = MD5Hash.newInstance(md5.digest());
      stage = Stage.READY;
      message = "archive " + summary.meta().id() + " verified";
    } catch (ArchiveException e) {
      deleteQuietly(state);
      invalid(e.problem().name(), e.getMessage());
    } catch (IOException | RuntimeException e) {
      deleteQuietly(state);
      localFailure("failed to verify and extract the staged archive: " + e.getMessage());
    } finally {
      deleteQuietly(stagingFile);
    }
  }

  private void invalid(String problem, String message) {
    finish(Stage.INVALID, problem, message);
  }

  private void localFailure(String message) {
    finish(Stage.LOCAL_FAILURE, RemoteArchiveException.LOCAL_FAILURE, message);
  }

  private void finish(Stage s, String p, String m) {
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

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }
}
