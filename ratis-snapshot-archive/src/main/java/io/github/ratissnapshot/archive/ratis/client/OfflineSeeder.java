package io.github.ratissnapshot.archive.ratis.client;

import io.github.ratissnapshot.archive.format.ArchiveException;
import io.github.ratissnapshot.archive.format.ArchiveReader;
import io.github.ratissnapshot.archive.format.AtomicFile;
import io.github.ratissnapshot.archive.format.Digests;
import io.github.ratissnapshot.archive.format.ExtractedState;
import io.github.ratissnapshot.archive.format.SnapshotMeta;
import java.io.BufferedInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.server.storage.RaftStorageMetadata;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.util.MD5FileUtil;
import org.apache.ratis.util.SizeInBytes;

/**
 * Offline restore, as {@code etcdutl snapshot restore}: prepares one peer's fresh storage directory for a
 * (possibly new) group from an archive, so that servers started on it with {@code RECOVER} come up with
 * the archive's state at its index, elect a leader and take writes.
 *
 * <p>Seed every peer of the new group from the same archive: each gets the same term and index. The
 * directory is built under a temporary name beside the target and renamed into place only when complete,
 * so an interrupted seed never leaves a half-prepared directory under the group's name; the next seed of
 * the same group removes such leftovers. An existing non-empty target is refused.
 */
public final class OfflineSeeder {
  private static final String LEFTOVER_PREFIX = ".seed-";

  private OfflineSeeder() {}

  /** What a seed produced. */
  public record Result(SnapshotMeta meta, Path groupDirectory, Path snapshotFile) {}

  /**
   * Seeds the storage directory of {@code groupId} under {@code storageDir} (a peer's
   * {@code raft.server.storage.dir}) from the archive in {@code archive}.
   *
   * @param archive the archive; verified completely before anything is placed
   * @param storageDir the peer's storage root; created if missing
   * @param groupId the group the peer will serve
   * @return what was prepared
   * @throws ArchiveException if the archive is invalid; nothing is left
   * @throws FileAlreadyExistsException if the group's directory exists and is not empty
   * @throws IOException if the archive's term is 0 (no Ratis leader could be elected on it) or writing fails;
   *     nothing is left under the group's name
   */
  public static Result seed(Path archive, Path storageDir, RaftGroupId groupId) throws IOException {
    Path target = storageDir.resolve(groupId.getUuid().toString());
    if (Files.isDirectory(target) && !isEmpty(target)) {
      throw new FileAlreadyExistsException(target.toString(), null,
          "the group's storage directory exists and is not empty; seed only fresh storage");
    }
    if (Files.exists(target) && !Files.isDirectory(target)) {
      throw new FileAlreadyExistsException(target.toString(), null, "exists and is not a directory");
    }
    Files.createDirectories(storageDir);
    removeLeftovers(storageDir, groupId);
    Path work = storageDir.resolve(LEFTOVER_PREFIX + groupId.getUuid() + "-" + UUID.randomUUID());
    boolean done = false;
    try {
      Files.createDirectory(work);
      Result r = prepare(archive, work, target);
      AtomicFile.publish(work, target, true);
      done = true;
      return new Result(r.meta(), target, target.resolve(work.relativize(r.snapshotFile())));
    } finally {
      if (!done) {
        deleteTree(work);
      }
    }
  }

  private static Result prepare(Path archive, Path work, Path target) throws IOException {
    RaftStorage storage = RaftStorage.newBuilder()
        .setDirectory(work.toFile())
        .setOption(RaftStorage.StartupOption.FORMAT)
        .setStorageFreeSpaceMin(SizeInBytes.valueOf(0))
        .build();
    Path smDir;
    try {
      storage.initialize();
      smDir = storage.getStorageDir().getStateMachineDir().toPath();
      MessageDigest md5 = Digests.md5();
      try (InputStream in = new BufferedInputStream(Files.newInputStream(archive), 1 << 16);
          ExtractedState state = ArchiveReader.defaults().extract(in, smDir, md5)) {
        SnapshotMeta meta = state.meta();
        if (meta.term() < 1) {
          throw new IOException("the archive's Term is 0: a Ratis group seeded with term 0 never elects a "
              + "leader; this archive cannot seed a group");
        }
        storage.getMetadataFile().persist(RaftStorageMetadata.valueOf(meta.term(), null));
        Path snapshot = smDir.resolve(SimpleStateMachineStorage.getSnapshotFileName(meta.term(), meta.index()));
        state.moveTo(snapshot);
        File snapshotFile = snapshot.toFile();
        AtomicFile.write(MD5FileUtil.getDigestFileForFile(snapshotFile).toPath(),
            Digests.checksumLine(Digests.hex(md5.digest()), snapshotFile.getName()));
        return new Result(meta, target, snapshot);
      }
    } finally {
      storage.close();
    }
  }

  /** Removes the temporary directories of seeds of this group that were interrupted. */
  private static void removeLeftovers(Path storageDir, RaftGroupId groupId) throws IOException {
    String prefix = LEFTOVER_PREFIX + groupId.getUuid() + "-";
    try (Stream<Path> entries = Files.list(storageDir)) {
      for (Path p : (Iterable<Path>) entries::iterator) {
        if (p.getFileName().toString().startsWith(prefix)) {
          deleteTree(p);
        }
      }
    }
  }

  private static boolean isEmpty(Path dir) throws IOException {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.findAny().isEmpty();
    }
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
        try {
          Files.deleteIfExists(p);
        } catch (DirectoryNotEmptyException e) {
          throw new IOException("failed to remove " + root, e);
        }
      }
    }
  }
}
