package io.github.ratissnapshot.archive.store;

import io.github.ratissnapshot.archive.format.ArchiveReader;
import io.github.ratissnapshot.archive.format.ArchiveSummary;
import io.github.ratissnapshot.archive.format.Digests;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.Objects;
import java.util.Optional;

/** Checks that what a store holds under a name is what was published there. */
public final class UploadCheck {
  private UploadCheck() {}

  /**
   * Checks the store's listing: the archive is listed with the size and both SHA-256s it was published with
   * (for S3, the object's size and metadata), without reading it.
   *
   * @param store the store
   * @param published what {@link ArchiveStore#publish} returned
   * @throws IOException if it is not listed, or listed otherwise, saying how; or if the store cannot be read
   */
  public static void listed(ArchiveStore store, StoredArchive published) throws IOException {
    Optional<StoredArchive> listed = store.list(published.name().group()).archives().stream()
        .filter(a -> a.name().equals(published.name())).findFirst();
    if (listed.isEmpty()) {
      throw new IOException(store.location() + " does not list " + store.addressOf(published.name())
          + " after publishing it");
    }
    StoredArchive l = listed.get();
    if (l.size() != published.size() || !Objects.equals(l.archiveSha256(), published.archiveSha256())
        || !Objects.equals(l.stateSha256(), published.stateSha256())) {
      throw new IOException(store.location() + " lists " + published.name().key() + " as " + l
          + ", not as published (" + published + ")");
    }
  }

  /**
   * Reads the archive back from the store, whole: it must verify (every digest inside it) and have the
   * size and SHA-256 it was published with.
   *
   * @param store the store
   * @param published what {@link ArchiveStore#publish} returned
   * @return what the archive read back holds
   * @throws IOException if it cannot be read, does not verify (an
   *     {@link io.github.ratissnapshot.archive.format.ArchiveException}), or differs from what was published
   */
  public static ArchiveSummary readBack(ArchiveStore store, StoredArchive published) throws IOException {
    MessageDigest sha = Digests.sha256();
    long[] bytes = {0};
    ArchiveSummary summary;
    try (InputStream raw = store.open(published.name());
        InputStream counted = new DigestInputStream(new BufferedInputStream(raw, 1 << 16), sha) {
          @Override
          public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
              bytes[0]++;
            }
            return b;
          }

          @Override
          public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
              bytes[0] += n;
            }
            return n;
          }
        }) {
      summary = ArchiveReader.defaults().verify(counted);
      byte[] rest = new byte[1 << 16];
      while (counted.read(rest) > 0) {
        // the reader stops at the end of the gzip member; anything after it counts too
      }
    }
    String hex = Digests.hex(sha.digest());
    if (bytes[0] != published.size() || !hex.equals(published.archiveSha256())) {
      throw new IOException(store.addressOf(published.name()) + " reads back as " + bytes[0]
          + " bytes with SHA-256 " + hex + ", not the " + published.size() + " bytes with SHA-256 "
          + published.archiveSha256() + " published");
    }
    return summary;
  }
}
