package io.github.ratissnapshot.archive.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(60)
class ConcurrentDigestOutputStreamTest {
  /** Writes of every size, from single bytes to several buffers at once, arrive whole, in order, and hashed. */
  @ParameterizedTest
  @ValueSource(ints = {1, 7, 4096, 65536})
  void everyByteIsWrittenInOrderAndDigested(int bufferSize) throws IOException {
    byte[] data = new byte[100_003];
    Random r = new Random(bufferSize);
    r.nextBytes(data);
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    MessageDigest md5 = Digests.md5();
    MessageDigest sha256 = Digests.sha256();
    try (ConcurrentDigestOutputStream out = new ConcurrentDigestOutputStream(sink, List.of(md5, sha256), bufferSize)) {
      int off = 0;
      while (off < data.length) {
        int n = Math.min(data.length - off, r.nextInt(3) == 0 ? 1 : r.nextInt(5 * bufferSize + 2));
        if (n == 1) {
          out.write(data[off]);
        } else {
          out.write(data, off, n);
        }
        off += n;
      }
      out.finish();
    }
    assertThat(sink.toByteArray()).isEqualTo(data);
    assertThat(md5.digest()).isEqualTo(Digests.md5().digest(data));
    assertThat(sha256.digest()).isEqualTo(Digests.sha256().digest(data));
  }

  @Test
  void atLeastOneDigestIsNeeded() {
    assertThatThrownBy(() -> new ConcurrentDigestOutputStream(new ByteArrayOutputStream(), List.of(), 16))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("no digest");
  }

  @Test
  void aFailingStreamFailsTheWriteThatReachesItAndCloseStopsTheThread() throws IOException {
    IOException full = new IOException("No space left on device");
    OutputStream failing = new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        throw full;
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        throw full;
      }
    };
    ConcurrentDigestOutputStream out = new ConcurrentDigestOutputStream(failing, Digests.md5(), 16);
    out.write(new byte[16]); // buffered: nothing reaches the stream yet

    assertThat(catchThrowable(() -> out.write(1))).isSameAs(full);
    out.close();
    assertThat(digestThreads()).isZero();
  }

  @Test
  void nothingMayBeWrittenAfterFinish() throws IOException {
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    MessageDigest sha = Digests.sha256();
    ConcurrentDigestOutputStream out = new ConcurrentDigestOutputStream(sink, sha, 8);
    out.write(new byte[] {1, 2, 3});
    out.finish();

    assertThat(catchThrowable(() -> out.write(new byte[9]))).isInstanceOf(IOException.class)
        .hasMessage("the stream is finished or closed");
    assertThat(catchThrowable(out::finish)).hasMessage("the stream is finished or closed");
    out.close();
    assertThat(sink.toByteArray()).containsExactly(1, 2, 3);
    assertThat(sha.digest()).isEqualTo(Digests.sha256().digest(new byte[] {1, 2, 3}));
    assertThat(digestThreads()).isZero();
  }

  private static long digestThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().endsWith("-digest") && t.isAlive()).count();
  }
}
