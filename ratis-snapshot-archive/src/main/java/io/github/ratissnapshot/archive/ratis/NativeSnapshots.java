package io.github.ratissnapshot.archive.ratis;

import io.github.ratissnapshot.archive.format.AtomicFile;
import java.io.BufferedOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.Optional;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.util.MD5FileUtil;

/**
 * The native Ratis snapshots of an archiving state machine: one file {@code sm/snapshot.<term>_<index>}
 * holding exactly the bytes of {@link ArchivableState#writeState}, with its {@code .md5}, managed by
 * Ratis's {@link SimpleStateMachineStorage} so that retention, InstallSnapshot and restart recovery work
 * as they do for Ratis's own examples.
 *
 * <p>Files are published whole: written under a {@code .tmp} name (which the storage's scan ignores),
 * fsynced, renamed, then the {@code .md5} written, and only then announced. Loading recomputes the MD5,
 * which Ratis itself never does for a local snapshot. Not thread-safe: used from the updater thread.
 */
final class NativeSnapshots {
  private static final int BUFFER = 1 << 20;

  private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();

  /** Binds to a division's storage and scans {@code sm/}. */
  void init(RaftStorage raftStorage) throws IOException {
    storage.init(raftStorage);
  }

  /** Returns Ratis's view of the storage, for {@code StateMachine.getStateMachineStorage()}. */
  SimpleStateMachineStorage storage() {
    return storage;
  }

  /** Returns the latest published snapshot, or {@code null}. */
  SingleFileSnapshotInfo latest() {
    return storage.getLatestSnapshot();
  }

  /**
   * Rescans {@code sm/} (after an install replaced it) and returns the latest snapshot, its MD5 checked
   * against the file's bytes.
   *
   * @return the snapshot, or empty when there is none
   * @throws IOException if the snapshot's bytes do not match its {@code .md5}: the state must not be loaded
   */
  Optional<SingleFileSnapshotInfo> loadLatest() throws IOException {
    SingleFileSnapshotInfo info = storage.loadLatestSnapshot();
    if (info == null) {
      return Optional.empty();
    }
    FileInfo file = info.getFile();
    MD5Hash expected = file.getFileDigest();
    if (expected != null) {
      MD5Hash actual = MD5FileUtil.computeMd5ForFile(file.getPath().toFile());
      if (!expected.equals(actual)) {
        throw new IOException("snapshot " + file.getPath() + " is corrupt: MD5 " + actual
            + " != " + expected + " recorded in its .md5");
      }
    }
    return Optional.of(info);
  }

  /**
   * Writes the application's state as the snapshot at {@code at} and publishes it.
   *
   * @param state the application
   * @param at the term and index the state is at
   * @return the published snapshot
   * @throws IOException if writing fails; nothing is published
   */
  SingleFileSnapshotInfo write(ArchivableState state, TermIndex at) throws IOException {
    File target = storage.getSnapshotFile(at.getTerm(), at.getIndex());
    Path tmp = target.toPath().resolveSibling(target.getName() + ".tmp");
    boolean ok = false;
    MessageDigest md5 = MD5FileUtil.newMD5();
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      OutputStream out = new BufferedOutputStream(
          new DigestOutputStream(Channels.newOutputStream(ch), md5), BUFFER);
      state.writeState(out);
      out.flush();
      ch.force(true);
      ok = true;
    } finally {
      if (!ok) {
        Files.deleteIfExists(tmp);
      }
    }
    return publish(tmp, at, MD5Hash.newInstance(md5.digest()));
  }

  /**
   * Publishes a complete, fsynced state file (on the same file system) as the snapshot at {@code at}.
   *
   * @param complete the file; moved away by this call
   * @param at the term and index of the state
   * @param md5 the MD5 of the file, or {@code null} to compute it
   * @return the published snapshot
   * @throws IOException if the rename or the {@code .md5} fails
   */
  SingleFileSnapshotInfo publish(Path complete, TermIndex at, MD5Hash md5) throws IOException {
    File target = storage.getSnapshotFile(at.getTerm(), at.getIndex());
    Files.move(complete, target.toPath(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    if (md5 == null) {
      md5 = MD5FileUtil.computeMd5ForFile(target);
    }
    MD5FileUtil.saveMD5File(target, md5);
    AtomicFile.syncDirectory(target.toPath().getParent());
    SingleFileSnapshotInfo info = new SingleFileSnapshotInfo(new FileInfo(target.toPath(), md5), at);
    storage.updateLatestSnapshot(info);
    return info;
  }

  /** Opens the state of a snapshot for reading; the caller closes it. */
  static InputStream open(SingleFileSnapshotInfo info) throws IOException {
    return Files.newInputStream(info.getFile().getPath());
  }
}
