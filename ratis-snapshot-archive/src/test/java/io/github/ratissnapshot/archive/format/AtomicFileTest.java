package io.github.ratissnapshot.archive.format;

import static io.github.ratissnapshot.archive.format.Fixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFileTest {
  @TempDir
  Path dir;

  @Test
  void commitPublishesTheContentUnderTheFinalNameOnly() throws Exception {
    Path target = dir.resolve("backup.snap");
    try (AtomicFile file = AtomicFile.create(target, false)) {
      file.stream().write(utf8("whole"));
      assertThat(file.partPath()).isEqualTo(dir.resolve("backup.snap.part")).hasContent("whole");
      assertThat(file.target()).isEqualTo(target);
      assertThat(target).doesNotExist();

      file.commit();
    }

    assertThat(target).hasContent("whole");
    assertThat(names()).containsExactly("backup.snap");
  }

  @Test
  void truncateVoidsWhatWasWrittenAndTheStreamWritesFromTheStartAgain() throws Exception {
    Path target = dir.resolve("backup.snap");
    try (AtomicFile file = AtomicFile.create(target, false)) {
      file.stream().write(utf8("a first attempt, longer than the second"));
      file.truncate();
      assertThat(file.partPath()).isEmptyFile();
      file.stream().write(utf8("second"));
      file.commit();
      assertThatThrownBy(file::truncate).isInstanceOf(IllegalStateException.class)
          .hasMessage("already committed or closed");
    }
    assertThat(target).hasContent("second");
  }

  @Test
  void createUnderARegularFileNamesThatFileAsNotADirectory() throws Exception {
    Path plain = Files.writeString(dir.resolve("plain-file"), "a file, not a directory\n");

    assertThatThrownBy(() -> AtomicFile.create(plain.resolve("backup.snap"), false))
        .isInstanceOfSatisfying(FileSystemException.class, e -> {
          assertThat(e.getFile()).isEqualTo(plain.toString());
          assertThat(e.getReason()).isEqualTo("Not a directory");
        });
    assertThat(Files.readString(plain)).isEqualTo("a file, not a directory\n");
  }

  @Test
  void closeWithoutCommitLeavesNothing() throws Exception {
    Path target = dir.resolve("backup.snap");
    AtomicFile file = AtomicFile.create(target, false);
    file.stream().write(utf8("half"));

    file.close();
    file.close();

    assertThat(dir).isEmptyDirectory();
  }

  @Test
  void createRefusesAnExistingTargetUnlessOverwriting() throws Exception {
    Path target = Files.writeString(dir.resolve("backup.snap"), "old");

    assertThatThrownBy(() -> AtomicFile.create(target, false)).isExactlyInstanceOf(FileAlreadyExistsException.class)
        .hasMessage(target.toAbsolutePath() + ": the file already exists");
    assertThat(names()).containsExactly("backup.snap");

    try (AtomicFile file = AtomicFile.create(target, true)) {
      file.stream().write(utf8("new"));
      file.commit();
    }
    assertThat(target).hasContent("new");
    assertThat(names()).containsExactly("backup.snap");
  }

  @Test
  void commitFailsIfTheTargetAppearedMeanwhileAndCloseCleansUp() throws Exception {
    Path target = dir.resolve("backup.snap");
    AtomicFile file = AtomicFile.create(target, false);
    file.stream().write(utf8("mine"));
    Files.writeString(target, "theirs");

    assertThatThrownBy(file::commit).isInstanceOf(FileAlreadyExistsException.class);
    file.close();

    assertThat(target).hasContent("theirs");
    assertThat(names()).containsExactly("backup.snap");
  }

  @Test
  void createReplacesAPartFileLeftByADeadWriter() throws Exception {
    Path target = dir.resolve("backup.snap");
    Files.writeString(AtomicFile.partOf(target), "stale bytes of a crashed save");

    try (AtomicFile file = AtomicFile.create(target, false)) {
      assertThat(file.partPath()).isEmptyFile();
      file.stream().write(utf8("fresh"));
      file.commit();
    }

    assertThat(target).hasContent("fresh");
  }

  @Test
  void createFailsWhileAnotherWriterHoldsThePartFile() throws Exception {
    Path target = dir.resolve("backup.snap");
    try (AtomicFile first = AtomicFile.create(target, false)) {
      first.stream().write(utf8("first"));

      assertThatThrownBy(() -> AtomicFile.create(target, false)).isExactlyInstanceOf(IOException.class)
          .hasMessage("failed to create " + AtomicFile.partOf(target.toAbsolutePath())
              + ": another process is writing it");

      assertThat(first.partPath()).hasContent("first");
      first.commit();
    }
    assertThat(target).hasContent("first");
  }

  @Test
  void commitTwiceIsMisuse() throws Exception {
    try (AtomicFile file = AtomicFile.create(dir.resolve("backup.snap"), false)) {
      file.commit();

      assertThatThrownBy(file::commit).isExactlyInstanceOf(IllegalStateException.class)
          .hasMessage("already committed or closed");
    }
    assertThat(dir.resolve("backup.snap")).isEmptyFile();
  }

  /**
   * A second writer that tries to take the same target while the first commits must never truncate what the
   * first publishes: the first renames while it still holds the lock, and a second writer that opened the
   * {@code .part} file just before the rename notices that the name no longer leads to what it locked.
   */
  @Test
  @SuppressWarnings("try") // the rival only needs to hold the .part file for a moment
  void aSecondWriterRacingACommitNeverTruncatesThePublishedFile() throws Exception {
    Path target = dir.resolve("raced.snap");
    byte[] content = new byte[64 * 1024];
    Arrays.fill(content, (byte) 'x');
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger secondWriterWins = new AtomicInteger();
    Thread rival = new Thread(() -> {
      while (!stop.get()) {
        try (AtomicFile second = AtomicFile.create(target, true)) {
          secondWriterWins.incrementAndGet(); // it locked the .part file: closing it deletes its own file only
        } catch (IOException busy) {
          // the first writer holds it: the expected answer
        }
      }
    }, "rival-writer");
    rival.start();
    try {
      for (int i = 0; i < 1500; i++) {
        try (AtomicFile first = AtomicFile.create(target, true)) {
          first.stream().write(content);
          first.commit();
        } catch (IOException lostTheRace) {
          continue; // the rival held the .part file at create, or removed it before the rename: nothing published
        }
        assertThat(Files.size(target)).as("size of what commit %d published", i).isEqualTo(content.length);
      }
    } finally {
      stop.set(true);
      rival.join();
    }
    assertThat(secondWriterWins.get()).as("the rival got the .part file at times, so the race was run").isPositive();
  }

  private Stream<String> names() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).toList().stream();
    }
  }
}
