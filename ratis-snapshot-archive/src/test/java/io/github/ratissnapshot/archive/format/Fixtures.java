package io.github.ratissnapshot.archive.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.github.ratissnapshot.archive.format.ArchiveException.Problem;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/**
 * Small archives and helpers shared by the format tests: a canonical meta and state, the three entries'
 * bytes, gzip in and out, and the assertion that a read was rejected with nothing left behind.
 */
final class Fixtures {
  /** The fixed time archives in tests are stamped with. */
  static final Instant NOW = Instant.ofEpochSecond(TarBuilder.MTIME_SECONDS);
  /** A clock stopped at {@link #NOW}. */
  static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
  /** A two-server configuration. */
  static final Configuration CONF = new Configuration(List.of(
      new Server(Suffrage.VOTER, "n1", "127.0.0.1:9001"),
      new Server(Suffrage.NONVOTER, "n2", "127.0.0.1:9002")));
  /** A state of a few KiB, spanning several tar blocks with a partial last one. */
  static final byte[] STATE = readAll(TestStates.stream(7, 3000));
  /** The metadata for {@link #STATE}. */
  static final SnapshotMeta META = SnapshotMeta.of(2, 43459, CONF, 1, STATE.length,
      Instant.ofEpochMilli(1_651_147_313_637L));
  /** {@code meta.json} for {@link #META}. */
  static final byte[] META_JSON = MetaJson.encode(META);
  /** {@code SHA256SUMS} for {@link #META_JSON} and {@link #STATE}. */
  static final byte[] SUMS = sums(META_JSON, STATE);

  private static final HexFormat HEX = HexFormat.of();

  private Fixtures() {}

  /** Returns {@code SHA256SUMS} as the writer formats it for these two entries. */
  static byte[] sums(byte[] metaJson, byte[] state) {
    Map<String, byte[]> sums = new LinkedHashMap<>();
    sums.put("meta.json", sha256(metaJson));
    sums.put("state.bin", sha256(state));
    return Sha256Sums.format(sums);
  }

  /** Returns a valid tar of the canonical entries in the writer's order, with its end marker. */
  static byte[] validTar() {
    return new TarBuilder().file("meta.json", META_JSON).file("state.bin", STATE).file("SHA256SUMS", SUMS)
        .end().build();
  }

  /** Returns a writer with a fixed clock, one thread. */
  static ArchiveWriter writer() {
    return ArchiveWriter.newBuilder().clock(CLOCK).threads(1).build();
  }

  /** Returns the archive our writer makes of the canonical meta and state. */
  static byte[] writtenArchive() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      writer().write(out, META, new ByteArrayInputStream(STATE));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** Compresses with the JDK's gzip, an independent writer. */
  static byte[] gzip(byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(data);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** Decompresses with the JDK's gzip, an independent reader. */
  static byte[] gunzip(byte[] data) {
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(data))) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static byte[] sha256(byte[] data) {
    return Digests.sha256().digest(data);
  }

  static String hex(byte[] data) {
    return HEX.formatHex(data);
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static byte[] readAll(InputStream in) {
    try (in) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Returns a copy with bit {@code bit} of byte {@code offset} inverted. */
  static byte[] flipBit(byte[] data, long offset, int bit) {
    byte[] copy = data.clone();
    copy[(int) offset] ^= (byte) (1 << bit);
    return copy;
  }

  /** Returns the first {@code length} bytes. */
  static byte[] prefix(byte[] data, long length) {
    return Arrays.copyOf(data, (int) length);
  }

  /** Returns the two arrays one after the other. */
  static byte[] concat(byte[] a, byte[] b) {
    byte[] c = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }

  /**
   * Asserts that {@link ArchiveReader#extract} rejects {@code gzip} with exactly this exception type,
   * problem and message, and that {@code dir} holds no file afterwards.
   */
  static <T extends ArchiveException> T assertExtractRejects(byte[] gzip, Path dir, Class<T> type, Problem problem,
      String message) {
    return assertExtractRejects(ArchiveReader.defaults(), gzip, dir, type, problem, message);
  }

  /** As {@link #assertExtractRejects(byte[], Path, Class, Problem, String)} with a given reader. */
  static <T extends ArchiveException> T assertExtractRejects(ArchiveReader reader, byte[] gzip, Path dir,
      Class<T> type, Problem problem, String message) {
    T e = assertRejects(type, problem, message, () -> reader.extract(new ByteArrayInputStream(gzip), dir).close());
    assertThat(dir).isEmptyDirectory();
    return e;
  }

  /** Asserts that {@code call} throws exactly this exception type, problem and message. */
  static <T extends ArchiveException> T assertRejects(Class<T> type, Problem problem, String message,
      ThrowingCallable call) {
    Throwable t = catchThrowable(call);
    assertThat(t).isExactlyInstanceOf(type).hasMessage(message);
    T e = type.cast(t);
    assertThat(e.problem()).isEqualTo(problem);
    return e;
  }
}
