package io.github.ratissnapshot.archive.ratis.server;

import io.github.ratissnapshot.archive.format.AtomicFile;
import io.github.ratissnapshot.archive.format.ConcurrentDigestOutputStream;
import io.github.ratissnapshot.archive.format.Digests;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;
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
 * <p>Files are published whole through {@link AtomicFile} (a {@code .part} name the storage's scan ignores,
 * fsync, rename, fsync the directory), the snapshot first and its {@code .md5} line second, and only then
 * announced to Ratis. This class writes the {@code .md5} line itself and lets Ratis read it back, so it never
 * builds Ratis's digest type. Loading recomputes the MD5, which Ratis itself never does for a local snapshot.
 *
 * <p>Threads: {@link #write}, {@link #publish} and {@link #loadLatest} run on Ratis's state-machine updater
 * thread (taking, loading and installing snapshots); {@link #latest} is also called from query threads
 * (pinning a snapshot for a save) and reads the storage's atomic reference.
 */
final class NativeSnapshots {
  private static final int BUFFER = 1 << 20;

  private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
  /** The SHA-256 of the last snapshot this process wrote or published, for saves; null before the first. */
  private volatile Sha256Of lastHashed;

  /** The SHA-256 of a snapshot file's bytes, as hashed when the file was written. */
  private record Sha256Of(Path file, String sha256Hex) {}

  /** Binds to a division's storage, scans {@code sm/}, and removes files of snapshots never published. */
  void init(RaftStorage raftStorage) throws IOException {
    storage.init(raftStorage);
    Path dir = raftStorage.getStorageDir().getStateMachineDir().toPath();
    if (Files.isDirectory(dir)) {
      try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(dir, "snapshot.*" + AtomicFile.PART_SUFFIX
          + "*")) {
        for (Path p : leftovers) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  /** Returns Ratis's view of the storage, for {@code StateMachine.getStateMachineStorage()}. */
  SimpleStateMachineStorage storage() {
    return storage;
  }

  /** Returns the latest published snapshot, or {@code null}. Any thread. */
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
    Path file = info.getFile().getPath();
    MD5Hash recorded = MD5FileUtil.readStoredMd5ForFile(file.toFile());
    if (recorded != null) {
      String actual = Digests.md5Hex(file);
      if (!actual.equals(recorded.toString())) {
        throw new IOException("snapshot " + file + " is corrupt: MD5 " + actual + " != " + recorded
            + " recorded in its .md5");
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
    Path target = snapshotFile(at);
    MessageDigest md5 = Digests.md5();
    MessageDigest sha256 = Digests.sha256();
    // The digests are computed on a second thread while this one writes: a snapshot takes the longer of the
    // two. The MD5 is Ratis's; the SHA-256 is what an archive of the snapshot lists, so a save need not
    // hash the state again.
    try (AtomicFile file = AtomicFile.create(target, true);
        ConcurrentDigestOutputStream out = new ConcurrentDigestOutputStream(file.stream(), List.of(md5, sha256),
            BUFFER)) {
      state.writeState(out);
      out.finish();
      file.commit();
    }
    return announce(target, at, Digests.hex(md5.digest()), Digests.hex(sha256.digest()));
  }

  /**
   * Publishes a complete, fsynced state file (on the same file system) as the snapshot at {@code at}.
   *
   * @param complete the file; moved away by this call
   * @param at the term and index of the state
   * @param md5Hex the MD5 of the file
   * @param sha256Hex the SHA-256 of the file, or null if not known
   * @return the published snapshot
   * @throws IOException if the rename or the {@code .md5} fails
   */
  SingleFileSnapshotInfo publish(Path complete, TermIndex at, String md5Hex, String sha256Hex) throws IOException {
    Path target = snapshotFile(at);
    AtomicFile.publish(complete, target, true);
    return announce(target, at, md5Hex, sha256Hex);
  }

  /**
   * Returns the SHA-256 of a snapshot's bytes if this process hashed them when it wrote or published the
   * file, which it does for the last one only: a snapshot found on disk at startup, or installed by Ratis,
   * has none. Any thread.
   *
   * @param info a snapshot
   * @return its SHA-256 in lowercase hex, or empty
   */
  Optional<String> sha256Hex(SingleFileSnapshotInfo info) {
    Sha256Of last = lastHashed;
    return last != null && last.file().equals(info.getFile().getPath()) ? Optional.of(last.sha256Hex())
        : Optional.empty();
  }

  private SingleFileSnapshotInfo announce(Path snapshot, TermIndex at, String md5Hex, String sha256Hex)
      throws IOException {
    File file = snapshot.toFile();
    AtomicFile.write(MD5FileUtil.getDigestFileForFile(file).toPath(),
        Digests.checksumLine(md5Hex, file.getName()));
    SingleFileSnapshotInfo info = new SingleFileSnapshotInfo(
        new FileInfo(snapshot, MD5FileUtil.readStoredMd5ForFile(file)), at);
    lastHashed = sha256Hex == null ? null : new Sha256Of(snapshot, sha256Hex);
    storage.updateLatestSnapshot(info);
    return info;
  }

  private Path snapshotFile(TermIndex at) {
    return storage.getSnapshotFile(at.getTerm(), at.getIndex()).toPath();
  }

  /** Opens the state of a snapshot for reading; the caller closes it. */
  static InputStream open(SingleFileSnapshotInfo info) throws IOException {
    return Files.newInputStream(info.getFile().getPath());
  }
}
