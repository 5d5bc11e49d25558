package io.github.ratissnapshot.archive.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.ratissnapshot.archive.format.AtomicFile;
import io.github.ratissnapshot.archive.format.Digests;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalDirectoryStoreTest {
  private static final UUID GROUP = UUID.fromString("02511d59-1a25-4ae6-a2d0-6c48e3a4d2b1");
  private static final String STATE_SHA = "a".repeat(64);

  @TempDir
  Path tmp;

  private Path file(String content) throws Exception {
    Path p = Files.createTempFile(tmp, "archive", ".snap");
    Files.writeString(p, content);
    return p;
  }

  /** Publishes a file as its caller would after verifying it: with the file's own SHA-256. */
  private static StoredArchive publish(LocalDirectoryStore store, Path file, ArchiveName name, String stateSha)
      throws Exception {
    return store.publish(file, name, stateSha, Digests.sha256Hex(file));
  }

  @Test
  void aFileThatNoLongerHasTheVerifiedDigestIsNotPublished() throws Exception {
    LocalDirectoryStore store = new LocalDirectoryStore(tmp.resolve("store"), "store");
    Path f = file("verified");
    String verified = Digests.sha256Hex(f);
    Files.writeString(f, "changed!");
    ArchiveName n = name("2026-12-02T10:00:00Z", 20);

    assertThatThrownBy(() -> store.publish(f, n, STATE_SHA, verified))
        .isInstanceOf(IOException.class)
        .hasMessage(f + " changed after it was verified: its SHA-256 is now " + Digests.sha256Hex(f) + ", not "
            + verified + "; nothing published");

    assertThat(tmp.resolve("store").resolve(GROUP.toString())).isEmptyDirectory();
    assertThat(store.list(GROUP).archives()).isEmpty();
  }

  private static ArchiveName name(String time, long index) {
    return new ArchiveName(GROUP, Instant.parse(time), 2, index);
  }

  @Test
  void publishedArchivesAreListedOldestFirstWithTheirDigestsAndReadBack() throws Exception {
    LocalDirectoryStore store = new LocalDirectoryStore(tmp.resolve("store"), "store");
    ArchiveName later = name("2026-12-02T10:00:00Z", 20);
    ArchiveName earlier = name("2026-12-01T10:00:00Z", 10);

    StoredArchive a = publish(store, file("second"), later, STATE_SHA);
    publish(store, file("first"), earlier, STATE_SHA);

    MessageDigest sha = Digests.sha256();
    assertThat(a).isEqualTo(new StoredArchive(later, 6, STATE_SHA,
        Digests.hex(sha.digest("second".getBytes(StandardCharsets.UTF_8)))));
    ArchiveStore.Listing listing = store.list(GROUP);
    assertThat(listing.archives()).extracting(StoredArchive::name).containsExactly(earlier, later);
    assertThat(listing.archives().get(1)).isEqualTo(a);
    assertThat(listing.foreign()).isEmpty();
    assertThat(store.groups()).containsExactly(GROUP);
    try (InputStream in = store.open(later)) {
      assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("second");
    }
    assertThat(tmp.resolve("store").resolve(later.key() + ".sha256")).hasContent(
        a.archiveSha256() + "  " + later.fileName() + "\n" + STATE_SHA + "  state.bin");
  }

  @Test
  void anExistingNameIsRefusedAndKeptAsItWas() throws Exception {
    LocalDirectoryStore store = new LocalDirectoryStore(tmp.resolve("store"), "store");
    ArchiveName n = name("2026-12-02T10:00:00Z", 20);
    StoredArchive first = publish(store, file("first"), n, STATE_SHA);

    assertThatThrownBy(() -> publish(store, file("other"), n, "b".repeat(64)))
        .isInstanceOf(FileAlreadyExistsException.class);

    assertThat(store.list(GROUP).archives()).containsExactly(first);
  }

  @Test
  void aPublishThatCannotReadItsSourceLeavesNothing() throws Exception {
    LocalDirectoryStore store = new LocalDirectoryStore(tmp.resolve("store"), "store");

    assertThatThrownBy(() -> store.publish(tmp.resolve("missing.snap"), name("2026-12-02T10:00:00Z", 1), STATE_SHA,
        "c".repeat(64)))
        .isInstanceOf(NoSuchFileException.class);

    assertThat(tmp.resolve("store").resolve(GROUP.toString())).isEmptyDirectory();
  }

  @Test
  void foreignFilesAreListedAndLeftoversOfDeadWritersAreCleanedUpButNotALiveOne() throws Exception {
    LocalDirectoryStore store = new LocalDirectoryStore(tmp.resolve("store"), "store");
    ArchiveName kept = name("2026-12-02T10:00:00Z", 20);
    publish(store, file("kept"), kept, STATE_SHA);
    Path dir = tmp.resolve("store").resolve(GROUP.toString());
    Files.writeString(dir.resolve("notes.txt"), "mine");
    Files.writeString(dir.resolve("20261202T110000Z-t2-i30.snap.part"), "half"); // its writer died
    Files.writeString(dir.resolve("20261202T110000Z-t2-i30.snap.sha256"), "x"); // digests of that publish
    ArchiveName live = name("2026-12-02T12:00:00Z", 40);
    try (AtomicFile writing = AtomicFile.create(store.pathOf(live), false)) {
      writing.stream().write(1);

      assertThat(store.list(GROUP).archives()).extracting(StoredArchive::name).containsExactly(kept);
      assertThat(store.list(GROUP).foreign()).containsExactly("notes.txt");
      assertThat(store.cleanUp(GROUP)).containsExactly("20261202T110000Z-t2-i30.snap.part",
          "20261202T110000Z-t2-i30.snap.sha256");
      assertThat(AtomicFile.partOf(store.pathOf(live))).as("a live writer's file").exists();
    }
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()).sorted().toList()).containsExactly(
          "20261202T100000Z-t2-i20.snap", "20261202T100000Z-t2-i20.snap.sha256", "notes.txt");
    }
  }

  @Test
  void deleteRemovesTheArchiveAndItsDigests() throws Exception {
    LocalDirectoryStore store = new LocalDirectoryStore(tmp.resolve("store"), "store");
    ArchiveName n = name("2026-12-02T10:00:00Z", 20);
    publish(store, file("x"), n, STATE_SHA);

    store.delete(n);

    assertThat(store.list(GROUP).archives()).isEmpty();
    assertThat(tmp.resolve("store").resolve(GROUP.toString())).isEmptyDirectory();
    assertThatThrownBy(() -> store.delete(n)).isInstanceOf(NoSuchFileException.class);
    assertThat(store.list(UUID.randomUUID())).isEqualTo(new ArchiveStore.Listing(List.of(), List.of()));
  }
}
