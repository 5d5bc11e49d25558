package io.github.ratissnapshot.archive.format;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;

/**
 * Coverage-guided fuzzing of the reader (Jazzer). The property: any input either verifies, with a
 * {@code state.bin} whose SHA-256 and size match what the summary reports, or is rejected with an
 * {@link ArchiveException}; never another exception, a hang, or unbounded memory.
 *
 * <p>{@code mvn verify} replays the seed corpus and every crash kept beside it
 * ({@code src/test/resources/io/github/ratissnapshot/archive/format/ArchiveReaderFuzzTestInputs/}). To fuzz
 * for minutes: {@code JAZZER_FUZZ=1 mvn -B test -pl ratis-snapshot-archive -Dtest=ArchiveReaderFuzzTest#gzipArchive}
 * (and {@code #plainTar}); a crash is written into that directory and becomes a regression fixture.
 */
class ArchiveReaderFuzzTest {
  private static final ArchiveReader READER = ArchiveReader.newBuilder()
      .maxStateBytes(64L << 20)
      .parallelHashing(false)
      .build();

  @FuzzTest(maxDuration = "5m")
  void gzipArchive(byte[] input) throws IOException {
    check(input, true);
  }

  @FuzzTest(maxDuration = "5m")
  void plainTar(byte[] input) throws IOException {
    check(input, false);
  }

  private static void check(byte[] input, boolean gzip) throws IOException {
    HashingSink sink = new HashingSink();
    ArchiveSummary summary;
    try {
      summary = gzip ? READER.read(new ByteArrayInputStream(input), sink)
          : READER.readTar(new ByteArrayInputStream(input), sink);
    } catch (ArchiveException expected) {
      return;
    }
    assertThat(sink.count).isEqualTo(summary.meta().size());
    assertThat(sink.sha.digest()).isEqualTo(summary.state().sha256());
  }

  /** Counts and hashes what the reader streams out. */
  private static final class HashingSink extends OutputStream {
    final MessageDigest sha = Digests.sha256();
    long count;

    @Override
    public void write(int b) {
      sha.update((byte) b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      sha.update(b, off, len);
      count += len;
    }
  }
}
