package io.github.ratissnapshot.archive.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.Inflater;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BlockGzipOutputStreamTest {
  private static final int B = BlockGzipOutputStream.BLOCK_SIZE;

  static long[] sizes() {
    return new long[] {0, 1, B - 1, B, B + 1, 3L * B + 17};
  }

  @Test
  void roundTripsThroughJdkGzipForBlockBoundarySizes() throws Exception {
    for (long size : sizes()) {
      byte[] gz = compress(11, size, 6, 2);

      assertThat(gunzipSha256(gz)).as("size %d", size).isEqualTo(TestStates.sha256(11, size));
    }
  }

  @Test
  void outputBytesDoNotDependOnThreadCount() throws Exception {
    for (long size : sizes()) {
      byte[] one = compress(12, size, 6, 1);

      assertThat(compress(12, size, 6, 2)).as("size %d, 2 threads", size).isEqualTo(one);
      assertThat(compress(12, size, 6, 4)).as("size %d, 4 threads", size).isEqualTo(one);
    }
  }

  @Test
  void writesExactlyOneMemberWithNothingAfterIt() throws Exception {
    for (long size : sizes()) {
      byte[] gz = compress(13, size, 6, 4);

      Inflater inflater = new Inflater(true);
      try {
        inflater.setInput(gz, 10, gz.length - 10);
        byte[] sink = new byte[64 * 1024];
        long total = 0;
        while (!inflater.finished()) {
          int n = inflater.inflate(sink);
          assertThat(n > 0 || !inflater.needsInput()).as("deflate data ends early").isTrue();
          total += n;
        }
        assertThat(total).isEqualTo(size);
        // Exactly the 8-byte trailer is left after the deflate stream's final block.
        assertThat(inflater.getRemaining()).as("size %d", size).isEqualTo(8);
      } finally {
        inflater.end();
      }
      // And the strict reader, which rejects any byte after the trailer, reads it whole.
      try (GzipMemberInputStream in = new GzipMemberInputStream(new ByteArrayInputStream(gz), 4096)) {
        assertThat(sha256(in)).isEqualTo(TestStates.sha256(13, size));
      }
    }
  }

  @Test
  void trailerCarriesCrcAndSizeOfTheData() throws Exception {
    long size = 2L * B + 5;
    byte[] gz = compress(14, size, 6, 2);
    CRC32 crc = new CRC32();
    try (CheckedInputStream in = new CheckedInputStream(TestStates.stream(14, size), crc)) {
      in.transferTo(OutputStream.nullOutputStream());
    }

    assertThat(intLe(gz, gz.length - 8)).isEqualTo(crc.getValue());
    assertThat(intLe(gz, gz.length - 4)).isEqualTo(size);
  }

  @ParameterizedTest
  @ValueSource(ints = {-1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
  void everyLevelRoundTrips(int level) throws Exception {
    long size = B + 1000;
    byte[] gz = compress(15, size, level, 2);

    assertThat(gunzipSha256(gz)).isEqualTo(TestStates.sha256(15, size));
    assertThat(compress(15, size, level, 1)).isEqualTo(gz);
  }

  @ParameterizedTest
  @ValueSource(ints = {-1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
  void headerIsGosForTheLevel(int level) throws Exception {
    byte[] gz = compress(16, 100, level, 1);
    int xfl = level == 9 ? 2 : level == 1 ? 4 : 0;

    // Go's compress/gzip: ID1 ID2 CM=8, FLG 0, MTIME 0, XFL 2 (best) / 4 (fastest) / 0, OS 255.
    assertThat(Arrays.copyOf(gz, 10)).isEqualTo(
        new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, (byte) xfl, (byte) 0xff});
  }

  @Test
  void levelZeroStoresTheDataUncompressed() throws Exception {
    long size = 3L * B;
    byte[] gz = compress(17, size, 0, 2);

    assertThat((long) gz.length).isGreaterThan(size).isLessThan(size + size / 100);
  }

  @Test
  void singleByteWritesGiveTheSameBytesAsBulkWrites() throws Exception {
    byte[] data = Fixtures.STATE;
    ByteArrayOutputStream bulk = new ByteArrayOutputStream();
    try (BlockGzipOutputStream gz = new BlockGzipOutputStream(bulk, 6, 1)) {
      gz.write(data);
    }
    ByteArrayOutputStream single = new ByteArrayOutputStream();
    try (BlockGzipOutputStream gz = new BlockGzipOutputStream(single, 6, 2)) {
      for (byte b : data) {
        gz.write(b);
      }
    }

    assertThat(single.toByteArray()).isEqualTo(bulk.toByteArray());
  }

  @Test
  void closeFinishesOnceAndLeavesTheTargetOpen() throws Exception {
    boolean[] closed = {false};
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    FilterOutputStream target = new FilterOutputStream(bytes) {
      @Override
      public void close() {
        closed[0] = true;
      }
    };
    BlockGzipOutputStream gz = new BlockGzipOutputStream(target, 6, 2);
    gz.write(Fixtures.STATE);
    gz.finish();
    int finished = bytes.size();
    gz.finish();
    gz.close();
    gz.close();

    assertThat(closed[0]).isFalse();
    assertThat(bytes.size()).isEqualTo(finished);
    assertThat(Fixtures.gunzip(bytes.toByteArray())).isEqualTo(Fixtures.STATE);
    assertThatThrownBy(() -> gz.write(1)).isExactlyInstanceOf(IOException.class)
        .hasMessage("gzip member already finished");
  }

  @Test
  void constructorRejectsBadArguments() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();

    assertThatThrownBy(() -> new BlockGzipOutputStream(out, 10, 1)).isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("gzip level must be -1 to 9, got 10");
    assertThatThrownBy(() -> new BlockGzipOutputStream(out, -2, 1)).isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("gzip level must be -1 to 9, got -2");
    assertThatThrownBy(() -> new BlockGzipOutputStream(out, 6, 0)).isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("threads must be at least 1, got 0");
  }

  @Test
  void aFailingTargetFailsTheWriteAndReleaseStopsTheWorkers() {
    OutputStream broken = new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        throw new IOException("disk full");
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        throw new IOException("disk full");
      }
    };
    BlockGzipOutputStream gz = new BlockGzipOutputStream(broken, 6, 2);

    assertThatThrownBy(() -> {
      try (InputStream in = TestStates.stream(18, 3L * B)) {
        in.transferTo(gz);
      }
      gz.finish();
    }).isExactlyInstanceOf(IOException.class).hasMessage("disk full");
    gz.release();
    gz.release();
  }

  /** Compresses the generated stream, in writes of odd sizes. */
  private static byte[] compress(long seed, long size, int level, int threads) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (BlockGzipOutputStream gz = new BlockGzipOutputStream(out, level, threads);
        InputStream in = TestStates.stream(seed, size)) {
      byte[] buf = new byte[77_777];
      int n;
      while ((n = in.read(buf)) > 0) {
        gz.write(buf, 0, n);
      }
    }
    return out.toByteArray();
  }

  private static byte[] gunzipSha256(byte[] gz) throws IOException {
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
      return sha256(in);
    }
  }

  private static byte[] sha256(InputStream in) throws IOException {
    MessageDigest d = Digests.sha256();
    try (DigestInputStream din = new DigestInputStream(in, d)) {
      din.transferTo(OutputStream.nullOutputStream());
    }
    return d.digest();
  }

  private static long intLe(byte[] b, int off) {
    long v = 0;
    for (int i = 0; i < 4; i++) {
      v |= (long) (b[off + i] & 0xff) << (8 * i);
    }
    return v;
  }
}
