package io.github.ratissnapshot.archive.format;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;

/**
 * Random metas and states survive a write and a read unchanged (jqwik properties; named {@code *Test} so
 * that Surefire's default includes run them).
 */
class RoundTripPropertiesTest {
  private static final int MIB = 1 << 20;

  @Property(tries = 300)
  void metaJsonDecodesToWhatWasEncoded(@ForAll("metas") SnapshotMeta meta) throws Exception {
    byte[] json = MetaJson.encode(meta);

    assertThat(MetaJson.decode(json)).isEqualTo(meta);
    assertThat(MetaJson.encode(MetaJson.decode(json))).isEqualTo(json);
    String text = new String(json, StandardCharsets.UTF_8);
    // As Go writes it: one line, no raw control character, no HTML-special character unescaped.
    assertThat(text).endsWith("}\n").doesNotContain("<", ">", "&", "\u2028", "\u2029");
    assertThat(text.substring(0, text.length() - 1).chars()).allMatch(c -> c >= 0x20);
  }

  @Property(tries = 30)
  void archiveReadsBackTheMetaAndStateWritten(@ForAll("metas") SnapshotMeta meta, @ForAll("stateSizes") long size,
      @ForAll @IntRange(min = 0, max = 9) int level, @ForAll @IntRange(min = 1, max = 3) int threads,
      @ForAll @IntRange(min = 1, max = 1000) int seed) throws Exception {
    SnapshotMeta sized = meta.withSize(size);
    ByteArrayOutputStream archive = new ByteArrayOutputStream();
    ArchiveSummary written;
    try (InputStream state = TestStates.stream(seed, size)) {
      written = ArchiveWriter.newBuilder().level(level).threads(threads).clock(Fixtures.CLOCK).build()
          .write(archive, sized, state);
    }

    ArchiveSummary read = ArchiveReader.defaults().verify(new ByteArrayInputStream(archive.toByteArray()));

    assertThat(read.meta()).isEqualTo(sized);
    assertThat(read.entries()).isEqualTo(written.entries());
    assertThat(read.state().sha256()).isEqualTo(TestStates.sha256(seed, size));
  }

  @Property(tries = 100)
  void sha256SumsParsesWhatItFormats(@ForAll("digest") byte[] meta, @ForAll("digest") byte[] state) throws Exception {
    Map<String, byte[]> sums = new LinkedHashMap<>();
    sums.put("meta.json", meta);
    sums.put("state.bin", state);

    Map<String, byte[]> parsed = Sha256Sums.parse(Sha256Sums.format(sums));

    assertThat(parsed.keySet()).containsExactly("meta.json", "state.bin");
    assertThat(parsed.get("meta.json")).isEqualTo(meta);
    assertThat(parsed.get("state.bin")).isEqualTo(state);
  }

  @Provide
  Arbitrary<SnapshotMeta> metas() {
    Arbitrary<Long> numbers = Arbitraries.longs().between(0, Long.MAX_VALUE);
    Arbitrary<byte[]> peers = Arbitraries.bytes().array(byte[].class).ofMaxSize(64).injectNull(0.3);
    Arbitrary<Server> server = Combinators.combine(Arbitraries.of(Suffrage.class), oddStrings(), oddStrings())
        .as(Server::new);
    Arbitrary<Configuration> configuration = server.list().ofMaxSize(5).map(Configuration::new);
    return Combinators.combine(Arbitraries.of(0, 1), oddStrings(), numbers, numbers, peers, configuration, numbers,
        numbers).as(SnapshotMeta::new);
  }

  @Provide
  Arbitrary<Long> stateSizes() {
    return Arbitraries.frequencyOf(
        Tuple.of(4, Arbitraries.of(0L, 1L, 511L, 512L, 513L, 1023L, 1024L, 1025L)),
        Tuple.of(4, Arbitraries.longs().between(0, 200_000)),
        Tuple.of(1, Arbitraries.longs().between(MIB, 4L * MIB)));
  }

  @Provide
  Arbitrary<byte[]> digest() {
    return Arbitraries.bytes().array(byte[].class).ofSize(32);
  }

  /** Strings heavy in what Go escapes, with any valid code point besides (never a lone surrogate). */
  private static Arbitrary<String> oddStrings() {
    Arbitrary<Integer> special = Arbitraries.of((int) '<', (int) '>', (int) '&', 0x2028, 0x2029, 0, (int) '\n',
        (int) '\t', (int) '\b', (int) '\f', (int) '\r', 0x1b, (int) '"', (int) '\\', (int) '/', 0x7f, 0xe9, 0xa0,
        0x1F600, 0x10FFFF, 0xFFFF, 0xFEFF);
    Arbitrary<Integer> ascii = Arbitraries.integers().between(0x20, 0x7e);
    Arbitrary<Integer> any = Arbitraries.integers().between(0, 0x10FFFF).filter(cp -> cp < 0xD800 || cp > 0xDFFF);
    Arbitrary<Integer> codePoint = Arbitraries.frequencyOf(Tuple.of(3, ascii), Tuple.of(2, special), Tuple.of(1, any));
    return codePoint.list().ofMaxSize(40).map(RoundTripPropertiesTest::string);
  }

  private static String string(List<Integer> codePoints) {
    StringBuilder sb = new StringBuilder();
    codePoints.forEach(sb::appendCodePoint);
    return sb.toString();
  }
}
