package io.github.ratissnapshot.archive.format;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A state just over 8 GiB, the size from which a tar header cannot hold the size and a PAX record must.
 * Nothing is stored: the writer streams a generated state into a 1 MiB pipe and the reader reads the
 * other end on this thread. Written at gzip level 1 to keep it to a minute or two.
 *
 * <p>Excluded from the default build; run it with {@code mvn -B verify -Phuge -pl ratis-snapshot-archive}.
 */
@Tag("huge")
class HugeStateTest {
  private static final long SIZE = (8L << 30) + 1000;
  private static final int CAPTURE = 4096;

  @Test
  void stateOverEightGibIsWrittenWithAPaxSizeAndReadsBack() throws Exception {
    SnapshotMeta meta = Fixtures.META.withSize(SIZE);
    ArchiveWriter writer = ArchiveWriter.newBuilder().level(1).threads(2).clock(Fixtures.CLOCK).build();
    ExecutorService pool = Executors.newSingleThreadExecutor();
    PipedInputStream archive = new PipedInputStream(1 << 20);
    PipedOutputStream toReader = new PipedOutputStream(archive);
    try {
      Future<ArchiveSummary> written = pool.submit(() -> {
        try (OutputStream out = toReader; InputStream state = TestStates.stream(77, SIZE)) {
          return writer.write(out, meta, state);
        }
      });
      Counting.Sink sink = new Counting.Sink();
      Tee tar;
      ArchiveSummary read;
      try (GzipMemberInputStream gzip = new GzipMemberInputStream(archive, 64 * 1024)) {
        // The reader's own gzip layer, with a tee under its tar layer to see the headers as they pass.
        tar = new Tee(gzip);
        read = ArchiveReader.defaults().readTar(tar, sink);
        assertThat(gzip.read()).isEqualTo(-1);
      }
      ArchiveSummary summary = written.get(10, TimeUnit.MINUTES);

      assertThat(read.meta()).isEqualTo(meta);
      assertThat(sink.count()).isEqualTo(SIZE);
      assertThat(read.state().size()).isEqualTo(SIZE);
      assertThat(read.state().sha256()).isEqualTo(summary.state().sha256());
      assertThat(read.entries()).isEqualTo(summary.entries());
      assertPaxSizeHeader(tar.captured(), MetaJson.encode(meta).length);
    } finally {
      archive.close();
      pool.shutdownNow();
    }
  }

  /** meta.json's header and data, then a PAX header whose record carries state.bin's size, then its header. */
  private static void assertPaxSizeHeader(byte[] tar, int metaLength) {
    int pax = 512 + (int) TarBoundaryInputStream.padded(metaLength);
    assertThat((char) tar[pax + 156]).as("PAX header typeflag").isEqualTo('x');
    // Reproducible like the entries: the clock's mtime and no user name (Go writes mtime 0; readers ignore it).
    assertThat(RawTar.octal(new String(tar, pax + 136, 12, StandardCharsets.US_ASCII).replace('\0', ' ')))
        .isEqualTo(Fixtures.NOW.getEpochSecond());
    assertThat(tar[pax + 265]).as("PAX header uname").isZero();
    long paxSize = RawTar.octal(new String(tar, pax + 124, 12, StandardCharsets.US_ASCII).replace('\0', ' '));
    String records = new String(tar, pax + 512, (int) paxSize, StandardCharsets.UTF_8);
    assertThat(records).contains(" size=" + SIZE + "\n");
    int state = pax + 512 + (int) TarBoundaryInputStream.padded(paxSize);
    assertThat(new String(tar, state, 9, StandardCharsets.US_ASCII)).isEqualTo("state.bin");
    assertThat((char) tar[state + 156]).isEqualTo('0');
    // The USTAR size field cannot hold 8 GiB in 11 octal digits; the PAX record is what carries it.
    assertThat(SIZE).isGreaterThan(077777777777L);
    assertThat(RawTar.octal(new String(tar, state + 124, 12, StandardCharsets.US_ASCII).replace('\0', ' ')))
        .isNotEqualTo(SIZE);
  }

  /** Passes bytes through and keeps a copy of the first {@value #CAPTURE}. */
  private static final class Tee extends FilterInputStream {
    private final byte[] head = new byte[CAPTURE];
    private int kept;

    Tee(InputStream in) {
      super(in);
    }

    byte[] captured() {
      return Arrays.copyOf(head, kept);
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = in.read(b, off, len);
      if (n > 0 && kept < CAPTURE) {
        int copy = Math.min(n, CAPTURE - kept);
        System.arraycopy(b, off, head, kept, copy);
        kept += copy;
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      byte[] buf = new byte[8192];
      long skipped = 0;
      while (skipped < n) {
        int r = read(buf, 0, (int) Math.min(buf.length, n - skipped));
        if (r < 0) {
          break;
        }
        skipped += r;
      }
      return skipped;
    }
  }
}
