package io.github.ratissnapshot.archive.store;

import io.github.ratissnapshot.archive.format.AtomicFile;
import io.github.ratissnapshot.archive.format.Digests;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * A store in a local (or mounted) directory: {@code <root>/<group-id>/<time>-t<term>-i<index>.snap}, each
 * archive with a {@code .snap.sha256} beside it in {@code sha256sum} format (the archive's SHA-256, then the
 * state's), so that listing reads no archive. Publishing copies through {@link AtomicFile}: a temporary name,
 * fsync, rename, fsync the directory; the digests are published first, the archive last, so an archive
 * under its final name is always complete. Nothing to close.
 */
public final class LocalDirectoryStore implements ArchiveStore {
  /** The suffix of the digest file beside each archive. */
  public static final String SUMS_SUFFIX = ".sha256";

  private static final int BUFFER = 1 << 18;
  private static final String STATE = "state.bin";

  private final Path root;
  private final String location;

  /**
   * Creates a store rooted at a directory, which need not exist yet (the first publish creates it).
   *
   * @param root the directory
   * @param location the location as the user gave it, for messages
   */
  public LocalDirectoryStore(Path root, String location) {
    this.root = root.toAbsolutePath();
    this.location = location;
  }

  @Override
  public String location() {
    return location;
  }

  /** Returns the store's directory. */
  public Path root() {
    return root;
  }

  /** Returns the path of an archive in this store. */
  public Path pathOf(ArchiveName name) {
    return root.resolve(name.group().toString()).resolve(name.fileName());
  }

  @Override
  public StoredArchive publish(Path archive, ArchiveName name, String stateSha256, String archiveSha256)
      throws IOException {
    Path target = pathOf(name);
    Files.createDirectories(target.getParent());
    if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
      throw new FileAlreadyExistsException(target.toString(), null, "the store already has this archive");
    }
    MessageDigest sha = Digests.sha256();
    long size = 0;
    try (AtomicFile file = AtomicFile.create(target, false); InputStream in = Files.newInputStream(archive)) {
      OutputStream out = new DigestOutputStream(file.stream(), sha);
      byte[] buf = new byte[BUFFER];
      for (int n; (n = in.read(buf)) > 0; ) {
        out.write(buf, 0, n);
        size += n;
      }
      out.flush();
      String copied = Digests.hex(sha.digest());
      if (!copied.equals(archiveSha256)) {
        throw new IOException(archive + " changed after it was verified: its SHA-256 is now " + copied
            + ", not " + archiveSha256 + "; nothing published");
      }
      AtomicFile.write(sumsOf(target), (archiveSha256 + "  " + target.getFileName() + "\n" + stateSha256 + "  "
          + STATE + "\n").getBytes(StandardCharsets.UTF_8));
      file.commit();
      return new StoredArchive(name, size, stateSha256, archiveSha256);
    } catch (IOException | RuntimeException e) {
      if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
        Files.deleteIfExists(sumsOf(target));
      }
      throw e;
    }
  }

  @Override
  public Listing list(UUID group) throws IOException {
    Path dir = root.resolve(group.toString());
    List<StoredArchive> archives = new ArrayList<>();
    List<String> foreign = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return new Listing(archives, foreign);
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path p : entries) {
        String fn = p.getFileName().toString();
        if (isTemporary(fn) || fn.endsWith(ArchiveName.SUFFIX + SUMS_SUFFIX)) {
          continue; // an archive's digests, or a publish in progress (or a dead one's, for cleanUp)
        }
        Optional<ArchiveName> name = Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)
            ? ArchiveName.parse(group, fn) : Optional.empty();
        if (name.isEmpty()) {
          foreign.add(fn);
          continue;
        }
        String[] sums = readSums(p);
        archives.add(new StoredArchive(name.get(), Files.size(p), sums[1], sums[0]));
      }
    }
    archives.sort((a, b) -> ArchiveName.OLDEST_FIRST.compare(a.name(), b.name()));
    foreign.sort(null);
    return new Listing(archives, foreign);
  }

  @Override
  public List<UUID> groups() throws IOException {
    List<UUID> groups = new ArrayList<>();
    if (!Files.isDirectory(root)) {
      return groups;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(root, Files::isDirectory)) {
      for (Path p : entries) {
        try {
          UUID id = UUID.fromString(p.getFileName().toString());
          if (id.toString().equals(p.getFileName().toString())) {
            groups.add(id);
          }
        } catch (IllegalArgumentException notAGroup) {
          // another tool's directory
        }
      }
    }
    groups.sort(null);
    return groups;
  }

  @Override
  public InputStream open(ArchiveName name) throws IOException {
    return Files.newInputStream(pathOf(name));
  }

  @Override
  public void delete(ArchiveName name) throws IOException {
    Path target = pathOf(name);
    Files.delete(target);
    Files.deleteIfExists(sumsOf(target));
    AtomicFile.syncDirectory(target.getParent());
  }

  @Override
  public List<String> cleanUp(UUID group) throws IOException {
    Path dir = root.resolve(group.toString());
    List<String> removed = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return removed;
    }
    List<Path> candidates = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      entries.forEach(candidates::add);
    }
    for (Path p : candidates) {
      String fn = p.getFileName().toString();
      if (isTemporary(fn)) {
        Path target = dir.resolve(fn.substring(0, fn.indexOf(AtomicFile.PART_SUFFIX)));
        if (AtomicFile.removeLeftovers(target) && !Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
          removed.add(fn);
        }
      } else if (fn.endsWith(ArchiveName.SUFFIX + SUMS_SUFFIX)
          && !Files.exists(dir.resolve(fn.substring(0, fn.length() - SUMS_SUFFIX.length())))) {
        Files.deleteIfExists(p); // the digests of an archive whose publish died before its rename
        removed.add(fn);
      }
    }
    if (!removed.isEmpty()) {
      AtomicFile.syncDirectory(dir);
    }
    removed.sort(null);
    return removed;
  }

  @Override
  public void close() {}

  private static boolean isTemporary(String fileName) {
    int at = fileName.indexOf(ArchiveName.SUFFIX + AtomicFile.PART_SUFFIX);
    if (at < 0) {
      at = fileName.indexOf(ArchiveName.SUFFIX + SUMS_SUFFIX + AtomicFile.PART_SUFFIX);
    }
    return at > 0;
  }

  private static Path sumsOf(Path archive) {
    return archive.resolveSibling(archive.getFileName() + SUMS_SUFFIX);
  }

  /** Returns {archive, state} SHA-256s from the digest file, nulls where it is missing or malformed. */
  private static String[] readSums(Path archive) {
    String[] sums = new String[2];
    try {
      List<String> lines = Files.readAllLines(sumsOf(archive), StandardCharsets.UTF_8);
      if (lines.size() == 2 && lines.get(0).equals(hexOf(lines.get(0)) + "  " + archive.getFileName())
          && lines.get(1).equals(hexOf(lines.get(1)) + "  " + STATE)) {
        sums[0] = hexOf(lines.get(0));
        sums[1] = hexOf(lines.get(1));
      }
    } catch (NoSuchFileException none) {
      // published before its digests, or by hand: the digests are unknown
    } catch (IOException e) {
      // unreadable: unknown as well; readers verify the archive itself
    }
    return sums;
  }

  private static String hexOf(String line) {
    String hex = line.length() >= 64 ? line.substring(0, 64) : "";
    return hex.chars().allMatch(c -> Character.digit(c, 16) >= 0 && !Character.isUpperCase(c)) ? hex : "\0";
  }
}
