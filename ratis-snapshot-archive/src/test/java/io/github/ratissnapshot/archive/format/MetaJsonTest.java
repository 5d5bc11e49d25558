package io.github.ratissnapshot.archive.format;

import static io.github.ratissnapshot.archive.format.Fixtures.assertRejects;
import static io.github.ratissnapshot.archive.format.Fixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.ratissnapshot.archive.format.ArchiveException.Problem;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class MetaJsonTest {
  /** The 254 bytes of {@code meta.json} in the real Consul archive of the interop fixtures. */
  static final String CONSUL_META = "{\"Version\":1,\"ID\":\"2-43459-1651147313637\",\"Index\":43459,\"Term\":2,"
      + "\"Peers\":\"ka8xMC40Mi4wLjExOjgzMDA=\",\"Configuration\":{\"Servers\":[{\"Suffrage\":0,"
      + "\"ID\":\"b565749f-0cc2-61e1-7ba0-d5c18b9dd6b4\",\"Address\":\"10.42.0.11:8300\"}]},"
      + "\"ConfigurationIndex\":1,\"Size\":81853}\n";

  private static final String VALID_TAIL = ",\"Index\":5,\"Term\":2,\"Peers\":null,"
      + "\"Configuration\":{\"Servers\":null},\"ConfigurationIndex\":1,\"Size\":625}";

  @Test
  void decodeThenEncodeReproducesConsulsBytes() throws Exception {
    byte[] consul = utf8(CONSUL_META);
    assertThat(consul).hasSize(254);

    SnapshotMeta meta = MetaJson.decode(consul);

    assertThat(meta.version()).isEqualTo(1);
    assertThat(meta.id()).isEqualTo("2-43459-1651147313637");
    assertThat(meta.index()).isEqualTo(43459);
    assertThat(meta.term()).isEqualTo(2);
    assertThat(meta.peers()).isEqualTo(Base64.getDecoder().decode("ka8xMC40Mi4wLjExOjgzMDA="));
    assertThat(meta.configuration().servers()).containsExactly(
        new Server(Suffrage.VOTER, "b565749f-0cc2-61e1-7ba0-d5c18b9dd6b4", "10.42.0.11:8300"));
    assertThat(meta.configurationIndex()).isEqualTo(1);
    assertThat(meta.size()).isEqualTo(81853);
    assertThat(MetaJson.encode(meta)).isEqualTo(consul);
  }

  @Test
  void encodeWritesGoStructOrderCompactWithOneNewline() {
    SnapshotMeta meta = new SnapshotMeta(1, "3-9-1700000000000", 9, 3, null, new Configuration(List.of(
        new Server(Suffrage.VOTER, "n1", "h1:1"),
        new Server(Suffrage.NONVOTER, "n2", "h2:2"),
        new Server(Suffrage.STAGING, "n3", ""))), 7, 0);

    assertThat(new String(MetaJson.encode(meta), StandardCharsets.UTF_8)).isEqualTo(
        "{\"Version\":1,\"ID\":\"3-9-1700000000000\",\"Index\":9,\"Term\":3,\"Peers\":null,"
            + "\"Configuration\":{\"Servers\":[{\"Suffrage\":0,\"ID\":\"n1\",\"Address\":\"h1:1\"},"
            + "{\"Suffrage\":1,\"ID\":\"n2\",\"Address\":\"h2:2\"},{\"Suffrage\":2,\"ID\":\"n3\",\"Address\":\"\"}]},"
            + "\"ConfigurationIndex\":7,\"Size\":0}\n");
  }

  @Test
  void encodeWritesEmptyConfigurationAsServersNull() {
    SnapshotMeta meta = new SnapshotMeta(1, "x", 0, 0, null, Configuration.EMPTY, 0, 0);

    assertThat(new String(MetaJson.encode(meta), StandardCharsets.UTF_8)).isEqualTo(
        "{\"Version\":1,\"ID\":\"x\",\"Index\":0,\"Term\":0,\"Peers\":null,"
            + "\"Configuration\":{\"Servers\":null},\"ConfigurationIndex\":0,\"Size\":0}\n");
  }

  @Test
  void encodeWritesPeersAsNullOrStandardBase64() {
    SnapshotMeta none = new SnapshotMeta(1, "x", 0, 0, null, Configuration.EMPTY, 0, 0);
    SnapshotMeta empty = new SnapshotMeta(1, "x", 0, 0, new byte[0], Configuration.EMPTY, 0, 0);
    SnapshotMeta some = new SnapshotMeta(1, "x", 0, 0, new byte[] {(byte) 0xfb, (byte) 0xff, 0x3e}, Configuration.EMPTY,
        0, 0);

    assertThat(new String(MetaJson.encode(none), StandardCharsets.UTF_8)).contains("\"Peers\":null,");
    assertThat(new String(MetaJson.encode(empty), StandardCharsets.UTF_8)).contains("\"Peers\":\"\",");
    assertThat(new String(MetaJson.encode(some), StandardCharsets.UTF_8)).contains("\"Peers\":\"+/8+\",");
  }

  @Test
  void encodeWritesLargestNumbersInFull() {
    long max = Long.MAX_VALUE;
    SnapshotMeta meta = new SnapshotMeta(1, "x", max, max, null, Configuration.EMPTY, max, max);

    assertThat(new String(MetaJson.encode(meta), StandardCharsets.UTF_8)).isEqualTo(
        "{\"Version\":1,\"ID\":\"x\",\"Index\":9223372036854775807,\"Term\":9223372036854775807,\"Peers\":null,"
            + "\"Configuration\":{\"Servers\":null},\"ConfigurationIndex\":9223372036854775807,"
            + "\"Size\":9223372036854775807}\n");
  }

  static Stream<Arguments> goEscapes() {
    return Stream.of(
        Arguments.of("<script>", "\\u003cscript\\u003e"),
        Arguments.of("a&b", "a\\u0026b"),
        Arguments.of("line\u2028para\u2029end", "line\\u2028para\\u2029end"),
        Arguments.of("\"quoted\" back\\slash", "\\\"quoted\\\" back\\\\slash"),
        Arguments.of("\b\f\n\r\t", "\\b\\f\\n\\r\\t"),
        Arguments.of("\u0000\u0001\u0007\u000b\u000e\u001b\u001f", "\\u0000\\u0001\\u0007\\u000b\\u000e\\u001b\\u001f"),
        Arguments.of("a/b", "a/b"),
        Arguments.of("del\u007f", "del\u007f"),
        Arguments.of("caf\u00e9 \u65e5\u672c", "caf\u00e9 \u65e5\u672c"),
        Arguments.of("\u0080\u00a0\u07ff\u0800\uffff", "\u0080\u00a0\u07ff\u0800\uffff"),
        Arguments.of("emoji \uD83D\uDE00 and \uD800\uDC00", "emoji \uD83D\uDE00 and \uD800\uDC00"),
        Arguments.of("'single' %s {}", "'single' %s {}"));
  }

  @ParameterizedTest
  @MethodSource("goEscapes")
  void encodeEscapesStringsAsGoDoes(String id, String escaped) {
    SnapshotMeta meta = new SnapshotMeta(1, id, 0, 0, null, new Configuration(List.of(
        new Server(Suffrage.VOTER, id, id))), 0, 0);

    byte[] bytes = MetaJson.encode(meta);

    // Go writes non-ASCII runes (other than U+2028/U+2029) as raw UTF-8: compare bytes, not chars.
    assertThat(bytes).isEqualTo(utf8("{\"Version\":1,\"ID\":\"" + escaped + "\",\"Index\":0,\"Term\":0,"
        + "\"Peers\":null,\"Configuration\":{\"Servers\":[{\"Suffrage\":0,\"ID\":\"" + escaped + "\",\"Address\":\""
        + escaped + "\"}]},\"ConfigurationIndex\":0,\"Size\":0}\n"));
  }

  @Test
  void encodeWritesSupplementaryCharactersRawAtEveryOffsetOfALongId() {
    for (int pad = 990; pad < 1010; pad++) {
      String id = "x".repeat(pad) + "\uD83D\uDE00" + "<";
      SnapshotMeta meta = new SnapshotMeta(1, id, 0, 0, null, Configuration.EMPTY, 0, 0);

      String json = new String(MetaJson.encode(meta), StandardCharsets.UTF_8);

      assertThat(json).as("pad %d", pad).contains("\"ID\":\"" + "x".repeat(pad) + "\uD83D\uDE00\\u003c\",");
    }
  }

  @ParameterizedTest
  @MethodSource("goEscapes")
  void decodeReadsBackWhatEncodeWrote(String id) throws Exception {
    SnapshotMeta meta = new SnapshotMeta(1, id, 1, 2, new byte[] {1, 2, 3}, new Configuration(List.of(
        new Server(Suffrage.STAGING, id, id))), 3, 4);

    assertThat(MetaJson.decode(MetaJson.encode(meta))).isEqualTo(meta);
  }

  @Test
  void decodeIgnoresUnknownKeys() throws Exception {
    String json = "{\"Version\":1,\"ID\":\"2-5-1\",\"CRC\":\"q83v\",\"Extra\":{\"a\":[1,2,{\"b\":null}]}"
        + VALID_TAIL.replace("\"Servers\":null", "\"Servers\":null,\"Unknown\":true") + "\n";

    SnapshotMeta meta = MetaJson.decode(utf8(json));

    assertThat(meta).isEqualTo(new SnapshotMeta(1, "2-5-1", 5, 2, null, Configuration.EMPTY, 1, 625));
  }

  @Test
  void decodeMatchesKeysIgnoringCase() throws Exception {
    String json = "{\"version\":1,\"id\":\"a\",\"INDEX\":5,\"tErM\":2,\"peers\":\"AQI=\",\"configuration\":"
        + "{\"servers\":[{\"suffrage\":1,\"id\":\"n\",\"ADDRESS\":\"h:1\"}]},\"configurationindex\":1,\"size\":625}";

    SnapshotMeta meta = MetaJson.decode(utf8(json));

    assertThat(meta).isEqualTo(new SnapshotMeta(1, "a", 5, 2, new byte[] {1, 2},
        new Configuration(List.of(new Server(Suffrage.NONVOTER, "n", "h:1"))), 1, 625));
  }

  @Test
  void decodeTreatsNullOrAbsentValuesAsZero() throws Exception {
    SnapshotMeta absent = MetaJson.decode(utf8("{}"));
    SnapshotMeta nulls = MetaJson.decode(utf8("{\"Version\":null,\"ID\":null,\"Index\":null,\"Term\":null,"
        + "\"Peers\":null,\"Configuration\":null,\"ConfigurationIndex\":null,\"Size\":null}"));
    SnapshotMeta serverNulls = MetaJson.decode(utf8("{\"Version\":1,\"Configuration\":{\"Servers\":[{\"Suffrage\":null,"
        + "\"ID\":null,\"Address\":null},{}]}}"));

    SnapshotMeta zero = new SnapshotMeta(0, "", 0, 0, null, Configuration.EMPTY, 0, 0);
    assertThat(absent).isEqualTo(zero);
    assertThat(nulls).isEqualTo(zero);
    assertThat(serverNulls.configuration().servers()).containsExactly(
        new Server(Suffrage.VOTER, "", ""), new Server(Suffrage.VOTER, "", ""));
  }

  @Test
  void decodeAcceptsEmptyServerListAndSurroundingWhitespace() throws Exception {
    SnapshotMeta meta = MetaJson.decode(utf8(" \r\n\t{\"Version\":1,\"ID\":\"a\",\"Configuration\":{\"Servers\":[]},"
        + "\"Size\":3}   \n\n"));

    assertThat(meta).isEqualTo(new SnapshotMeta(1, "a", 0, 0, null, Configuration.EMPTY, 0, 3));
  }

  @Test
  void decodeReadsUnicodeEscapesAndRawUtf8() throws Exception {
    SnapshotMeta meta = MetaJson.decode(utf8("{\"Version\":1,\"ID\":\"\\u003c\\u00e9\\ud83d\\ude00\u00e9\uD83D\uDE00\"}"));

    assertThat(meta.id()).isEqualTo("<\u00e9\uD83D\uDE00\u00e9\uD83D\uDE00");
  }

  static Stream<Arguments> invalidMeta() {
    return Stream.of(
        Arguments.of("not JSON", "nope", Problem.INVALID_META,
            "meta.json is not valid JSON: Unrecognized token 'nope': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"),
        Arguments.of("empty", "", Problem.INVALID_META, "meta.json is not a JSON object"),
        Arguments.of("whitespace only", " \n", Problem.INVALID_META, "meta.json is not a JSON object"),
        Arguments.of("truncated", "{\"Version\":1,\"ID\":\"a", Problem.INVALID_META,
            "meta.json is not valid JSON: Unexpected end-of-input in VALUE_STRING"),
        Arguments.of("an array", "[1]", Problem.INVALID_META, "meta.json is not a JSON object"),
        Arguments.of("a string", "\"x\"", Problem.INVALID_META, "meta.json is not a JSON object"),
        Arguments.of("null", "null", Problem.INVALID_META, "meta.json is not a JSON object"),
        Arguments.of("trailing tokens", "{\"Version\":1}{}", Problem.INVALID_META,
            "meta.json is not valid JSON: Trailing token (of type START_OBJECT) found after value (bound as `com.fasterxml.jackson.databind.JsonNode`): not allowed as per `DeserializationFeature.FAIL_ON_TRAILING_TOKENS`"),
        Arguments.of("trailing garbage", "{\"Version\":1} x", Problem.INVALID_META,
            "meta.json is not valid JSON: Unrecognized token 'x': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"),
        Arguments.of("duplicate key", "{\"Size\":1,\"Size\":2}", Problem.INVALID_META,
            "meta.json is not valid JSON: Duplicate field 'Size'"),
        Arguments.of("case-ambiguous keys", "{\"Size\":1,\"size\":2}", Problem.INVALID_META,
            "meta.json has both \"Size\" and \"size\""),
        Arguments.of("case-ambiguous server keys", "{\"Configuration\":{\"Servers\":[{\"ID\":\"a\",\"id\":\"b\"}]}}",
            Problem.INVALID_META, "meta.json Configuration.Servers[0] has both \"ID\" and \"id\""),
        Arguments.of("fractional number", "{\"Size\":1.5}", Problem.INVALID_META,
            "meta.json Size is not an integer: 1.5"),
        Arguments.of("integral float", "{\"Index\":1.0}", Problem.INVALID_META,
            "meta.json Index is not an integer: 1.0"),
        Arguments.of("exponent", "{\"Term\":1e3}", Problem.INVALID_META,
            "meta.json Term is not an integer: 1000.0"),
        Arguments.of("number as string", "{\"Size\":\"5\"}", Problem.INVALID_META,
            "meta.json Size is not an integer: \"5\""),
        Arguments.of("boolean number", "{\"Size\":true}", Problem.INVALID_META,
            "meta.json Size is not an integer: true"),
        Arguments.of("negative Size", "{\"Size\":-1}", Problem.INVALID_META,
            "meta.json Size must not be negative, got -1"),
        Arguments.of("negative Index", "{\"Index\":-5}", Problem.INVALID_META,
            "meta.json Index must not be negative, got -5"),
        Arguments.of("negative Term", "{\"Term\":-9223372036854775808}", Problem.INVALID_META,
            "meta.json Term must not be negative, got -9223372036854775808"),
        Arguments.of("negative ConfigurationIndex", "{\"ConfigurationIndex\":-2}", Problem.INVALID_META,
            "meta.json ConfigurationIndex must not be negative, got -2"),
        Arguments.of("out of range", "{\"Size\":9223372036854775808}", Problem.INVALID_META,
            "meta.json Size is out of range: 9223372036854775808"),
        Arguments.of("out of range, uint64 max", "{\"Index\":18446744073709551615}", Problem.INVALID_META,
            "meta.json Index is out of range: 18446744073709551615"),
        Arguments.of("ID not a string", "{\"ID\":42}", Problem.INVALID_META, "meta.json ID is not a string: 42"),
        Arguments.of("Peers not a string", "{\"Peers\":[1]}", Problem.INVALID_META,
            "meta.json Peers is not a base64 string: [1]"),
        Arguments.of("Peers bad base64", "{\"Peers\":\"k!==\"}", Problem.INVALID_META,
            "meta.json Peers is not valid base64: Illegal base64 character 21"),
        Arguments.of("Configuration not an object", "{\"Configuration\":[]}", Problem.INVALID_META,
            "meta.json Configuration is not an object"),
        Arguments.of("Servers not an array", "{\"Configuration\":{\"Servers\":{}}}", Problem.INVALID_META,
            "meta.json Configuration.Servers is not an array"),
        Arguments.of("server not an object", "{\"Configuration\":{\"Servers\":[1]}}", Problem.INVALID_META,
            "meta.json Configuration.Servers[0] is not an object"),
        Arguments.of("unknown suffrage", "{\"Configuration\":{\"Servers\":[{\"Suffrage\":0},{\"Suffrage\":3}]}}",
            Problem.INVALID_META,
            "meta.json Configuration.Servers[1].Suffrage 3 is not 0 (Voter), 1 (Nonvoter) or 2 (Staging)"),
        Arguments.of("negative suffrage", "{\"Configuration\":{\"Servers\":[{\"Suffrage\":-1}]}}", Problem.INVALID_META,
            "meta.json Configuration.Servers[0].Suffrage -1 is not 0 (Voter), 1 (Nonvoter) or 2 (Staging)"),
        Arguments.of("server Address not a string", "{\"Configuration\":{\"Servers\":[{\"Address\":1}]}}",
            Problem.INVALID_META, "meta.json Configuration.Servers[0].Address is not a string: 1"),
        Arguments.of("version 2", "{\"Version\":2}", Problem.UNSUPPORTED_VERSION,
            "meta.json has unsupported snapshot version 2 (supported: 0 to 1)"),
        Arguments.of("version -1", "{\"Version\":-1}", Problem.UNSUPPORTED_VERSION,
            "meta.json has unsupported snapshot version -1 (supported: 0 to 1)"),
        Arguments.of("version beyond int", "{\"Version\":4294967297}", Problem.UNSUPPORTED_VERSION,
            "meta.json has unsupported snapshot version 4294967297 (supported: 0 to 1)"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidMeta")
  void decodeRejects(String what, String json, Problem problem, String message) {
    CorruptArchiveException e = assertRejects(CorruptArchiveException.class, problem, message,
        () -> MetaJson.decode(utf8(json)));

    assertThat(e.entryName()).isEqualTo("meta.json");
  }

  @Test
  void decodeRejectsInvalidUtf8() {
    byte[] bytes = {'{', '"', 'I', 'D', '"', ':', '"', (byte) 0xc3, '"', '}'};

    assertRejects(CorruptArchiveException.class, Problem.INVALID_META,
        "meta.json is not valid JSON: Invalid UTF-8 middle byte 0x22", () -> MetaJson.decode(bytes));
  }

  @Test
  void decodeRejectsDeepNesting() {
    String deep = "{\"X\":" + "[".repeat(100) + "]".repeat(100) + "}";

    assertRejects(CorruptArchiveException.class, Problem.INVALID_META,
        "meta.json is not valid JSON: Document nesting depth (33) exceeds the maximum allowed (32, from `StreamReadConstraints.getMaxNestingDepth()`)",
        () -> MetaJson.decode(utf8(deep)));
  }
}
