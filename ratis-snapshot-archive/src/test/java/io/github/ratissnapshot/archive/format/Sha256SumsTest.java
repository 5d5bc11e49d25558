package io.github.ratissnapshot.archive.format;

import static io.github.ratissnapshot.archive.format.Fixtures.assertRejects;
import static io.github.ratissnapshot.archive.format.Fixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.ratissnapshot.archive.format.ArchiveException.Problem;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class Sha256SumsTest {
  private static final String META_HEX = "f1d861fef96138f8f26a3f2ac0d6ec94892d294c2e65aa874226b20c0800fd3f";
  private static final String STATE_HEX = "cef54f29990c3d4234a22afabceb695412f973bd6284c0aa089d290e78a099a1";
  private static final HexFormat HEX = HexFormat.of();

  @Test
  void formatWritesSha256sumTextModeLinesInOrder() {
    Map<String, byte[]> sums = new LinkedHashMap<>();
    sums.put("meta.json", HEX.parseHex(META_HEX));
    sums.put("state.bin", HEX.parseHex(STATE_HEX));

    assertThat(new String(Sha256Sums.format(sums), StandardCharsets.UTF_8))
        .isEqualTo(META_HEX + "  meta.json\n" + STATE_HEX + "  state.bin\n");
  }

  @Test
  void parseReadsWhatFormatWrote() throws Exception {
    Map<String, byte[]> sums = new LinkedHashMap<>();
    sums.put("meta.json", HEX.parseHex(META_HEX));
    sums.put("state.bin", HEX.parseHex(STATE_HEX));

    Map<String, byte[]> parsed = Sha256Sums.parse(Sha256Sums.format(sums));

    assertThat(parsed.keySet()).containsExactly("meta.json", "state.bin");
    assertThat(parsed.get("meta.json")).isEqualTo(HEX.parseHex(META_HEX));
    assertThat(parsed.get("state.bin")).isEqualTo(HEX.parseHex(STATE_HEX));
  }

  static Stream<Arguments> acceptedVariants() {
    return Stream.of(
        Arguments.of("state line first", STATE_HEX + "  state.bin\n" + META_HEX + "  meta.json\n"),
        Arguments.of("binary mode", META_HEX + " *meta.json\n" + STATE_HEX + " *state.bin\n"),
        Arguments.of("mixed modes", META_HEX + " *meta.json\n" + STATE_HEX + "  state.bin\n"),
        Arguments.of("uppercase hex", META_HEX.toUpperCase(Locale.ROOT) + "  meta.json\n"
            + STATE_HEX.toUpperCase(Locale.ROOT) + "  state.bin\n"),
        Arguments.of("no final newline", META_HEX + "  meta.json\n" + STATE_HEX + "  state.bin"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("acceptedVariants")
  void parseAccepts(String what, String text) throws Exception {
    Map<String, byte[]> parsed = Sha256Sums.parse(utf8(text));

    assertThat(parsed).containsOnlyKeys("meta.json", "state.bin");
    assertThat(parsed.get("meta.json")).isEqualTo(HEX.parseHex(META_HEX));
    assertThat(parsed.get("state.bin")).isEqualTo(HEX.parseHex(STATE_HEX));
  }

  @Test
  void parseOfEmptyEntryListsNothing() throws Exception {
    // The reader then reports the missing line; see ArchiveReaderTest and HostileArchiveTest.
    assertThat(Sha256Sums.parse(new byte[0])).isEmpty();
  }

  static Stream<Arguments> rejected() {
    String m = META_HEX + "  meta.json";
    String s = STATE_HEX + "  state.bin";
    return Stream.of(
        Arguments.of("names another file", m + "\n" + s + "\n" + META_HEX + "  nope\n",
            "SHA256SUMS line 3 names \"nope\", which is not an entry the archive hashes (meta.json, state.bin)"),
        Arguments.of("names SHA256SUMS itself", META_HEX + "  SHA256SUMS\n",
            "SHA256SUMS line 1 names \"SHA256SUMS\", which is not an entry the archive hashes (meta.json, state.bin)"),
        Arguments.of("names a long path", META_HEX + "  " + "d/".repeat(60) + "\n",
            "SHA256SUMS line 1 names \"" + "d/".repeat(38) + "d..." + "\", which is not an entry the archive hashes"
                + " (meta.json, state.bin)"),
        Arguments.of("names a path", META_HEX + "  ./meta.json\n",
            "SHA256SUMS line 1 names \"./meta.json\", which is not an entry the archive hashes (meta.json, state.bin)"),
        Arguments.of("lists a file twice", m + "\n" + s + "\n" + m + "\n", "SHA256SUMS lists meta.json twice"),
        Arguments.of("lists a file twice, other case of hex", s + "\n" + STATE_HEX.toUpperCase(Locale.ROOT)
            + " *state.bin\n", "SHA256SUMS lists state.bin twice"),
        Arguments.of("empty line in the middle", m + "\n\n" + s + "\n",
            "SHA256SUMS line 2 is malformed: expected \"<64 hex digits>  <name>\", got \"\""),
        Arguments.of("only a newline", "\n",
            "SHA256SUMS line 1 is malformed: expected \"<64 hex digits>  <name>\", got \"\""),
        Arguments.of("two final newlines", m + "\n" + s + "\n\n",
            "SHA256SUMS line 3 is malformed: expected \"<64 hex digits>  <name>\", got \"\""),
        Arguments.of("short hash", META_HEX.substring(1) + "  meta.json\n",
            "SHA256SUMS line 1 is malformed: expected \"<64 hex digits>  <name>\", got \""
                + META_HEX.substring(1) + "  meta.json\""),
        Arguments.of("long hash", META_HEX + "0  meta.json\n",
            "SHA256SUMS line 1 is malformed: expected \"<64 hex digits>  <name>\", got \""
                + META_HEX + "0  meta.json\""),
        Arguments.of("overlong malformed line", META_HEX + " " + "x".repeat(100) + "\n",
            "SHA256SUMS line 1 is malformed: expected \"<64 hex digits>  <name>\", got \""
                + META_HEX + " " + "x".repeat(12) + "...\""),
        Arguments.of("non-hex digit", "g" + META_HEX.substring(1) + "  meta.json\n",
            "SHA256SUMS line 1 is malformed: expected \"<64 hex digits>  <name>\", got \"g"
                + META_HEX.substring(1) + "  meta.json\""),
        Arguments.of("one space", META_HEX + " meta.json\n",
            "SHA256SUMS line 1 is malformed: expected \"<64 hex digits>  <name>\", got \""
                + META_HEX + " meta.json\""),
        Arguments.of("tab separator", META_HEX + "\tmeta.json\n",
            "SHA256SUMS line 1 is malformed: expected \"<64 hex digits>  <name>\", got \""
                + META_HEX + "?meta.json\""),
        Arguments.of("no name", META_HEX + "  \n",
            "SHA256SUMS line 1 is malformed: expected \"<64 hex digits>  <name>\", got \"" + META_HEX + "  \""),
        Arguments.of("CRLF line end", m + "\r\n",
            "SHA256SUMS line 1 is malformed: expected \"<64 hex digits>  <name>\", got \"" + m + "?\""),
        Arguments.of("not text", "\u0000\u0001garbage",
            "SHA256SUMS line 1 is malformed: expected \"<64 hex digits>  <name>\", got \"??garbage\""));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rejected")
  void parseRejects(String what, String text, String message) {
    CorruptArchiveException e = assertRejects(CorruptArchiveException.class, Problem.INVALID_SUMS, message,
        () -> Sha256Sums.parse(utf8(text)));

    assertThat(e.entryName()).isEqualTo("SHA256SUMS");
  }
}
