package io.github.ratissnapshot.archive.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Where archives live: a directory, or (later) an object store. Archives are kept per group under
 * {@link ArchiveName#key()}; nothing appears under a final name until it is complete.
 *
 * <p>A store trusts its caller to publish only archives it has verified, and its readers to verify what they
 * open: a listing is a catalogue, not a proof. Implementations are safe for use by one thread at a time; the
 * caller closes the store.
 */
public interface ArchiveStore extends AutoCloseable {
  /**
   * What a group's part of the store holds.
   *
   * @param archives the archives, oldest first
   * @param foreign the names under the group that are not archive names (other tools' files): listed so an
   *     operator sees them, never deleted
   */
  record Listing(List<StoredArchive> archives, List<String> foreign) {
    /** Copies the lists. */
    public Listing {
      archives = List.copyOf(archives);
      foreign = List.copyOf(foreign);
    }

    /** Returns the newest archive, if any. */
    public Optional<StoredArchive> newest() {
      return archives.isEmpty() ? Optional.empty()
          : Optional.of(archives.get(archives.size() - 1));
    }
  }

  /** Returns the store's location as the user gave it, for messages. */
  String location();

  /**
   * Returns where an archive is, for messages: {@code <location>/<group>/<file>} by default; an S3 store says
   * {@code s3://bucket/prefix/<group>/<file>}, without the location's options.
   */
  default String addressOf(ArchiveName name) {
    return addressOf(name.group(), name.fileName());
  }

  /** Returns where a file of a group's is, for messages, as {@link #addressOf(ArchiveName)}. */
  default String addressOf(UUID group, String fileName) {
    return location() + "/" + group + "/" + fileName;
  }

  /**
   * Publishes a complete, verified archive file under {@code name}, whole or not at all.
   *
   * @param archive the archive file; read, not moved or changed
   * @param name its name in the store
   * @param stateSha256 the SHA-256 of its {@code state.bin} (lowercase hex), as verification found it
   * @param archiveSha256 the SHA-256 of the archive file itself (lowercase hex), as the caller's verification
   *     read it: a store records it without reading the file again for it, and a store that copies the file
   *     checks the copy against it
   * @return the stored archive, with its size and both digests
   * @throws java.nio.file.FileAlreadyExistsException if the store has an archive of that name
   * @throws IOException if writing fails, or the file no longer has {@code archiveSha256}; nothing is then left
   *     under the name
   */
  StoredArchive publish(Path archive, ArchiveName name, String stateSha256, String archiveSha256)
      throws IOException;

  /**
   * Lists one group's archives.
   *
   * @param group the group
   * @return its archives, oldest first, and its foreign names; empty if the store has none of it
   * @throws IOException if the store cannot be read
   */
  Listing list(UUID group) throws IOException;

  /**
   * Lists the groups the store holds archives of.
   *
   * @return the group ids, sorted
   * @throws IOException if the store cannot be read
   */
  List<UUID> groups() throws IOException;

  /**
   * Opens an archive for reading; the caller closes the stream and verifies what it reads.
   *
   * @param name the archive
   * @return its bytes
   * @throws java.nio.file.NoSuchFileException if there is no such archive
   * @throws IOException if it cannot be opened
   */
  InputStream open(ArchiveName name) throws IOException;

  /**
   * Deletes an archive (and the store's record of its digests).
   *
   * @param name the archive
   * @throws java.nio.file.NoSuchFileException if there is no such archive
   * @throws IOException if it cannot be deleted
   */
  void delete(ArchiveName name) throws IOException;

  /**
   * Removes what an interrupted publish of this group left behind (temporary files whose writer died).
   *
   * @param group the group
   * @return the names removed
   * @throws IOException if the store cannot be read or a leftover cannot be removed
   */
  List<String> cleanUp(UUID group) throws IOException;

  /** Releases the store's resources. */
  @Override
  void close() throws IOException;
}
