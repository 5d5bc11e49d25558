package io.github.ratissnapshot.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.ratissnapshot.examples.quickstart.Quickstart;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's library quickstart is real code: {@code Quickstart} runs every step on three servers, and the
 * README shows exactly its code.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class QuickstartIT {
  private static final Path SOURCES = Path.of("src/main/java/io/github/ratissnapshot/examples/quickstart");

  @Test
  void theQuickstartRunsEveryStep(@TempDir Path dir) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
      Quickstart.run(dir, out);
    }

    List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
    assertThat(lines).hasSize(5);
    assertThat(lines.get(0)).isEqualTo("saved counter.snap");
    assertThat(lines.get(1)).matches("saved in-process at index \\d+");
    assertThat(lines.get(2)).matches("restored at log index \\d+");
    assertThat(lines.get(3)).as("the fourth increment is undone").isEqualTo("counter after the restore: 3");
    assertThat(lines.get(4)).isEqualTo("counter of the seeded group: 3");
    assertThat(dir.resolve("counter.snap")).isRegularFile();
    assertThat(dir).isDirectoryNotContaining("glob:**/*.snap.tmp").isDirectoryNotContaining("glob:**/*.part");
  }

  @Test
  void theReadmeShowsTheQuickstartsOwnCode() throws IOException {
    String readme = Files.readString(Path.of("..", "README.md"));
    String counter = Files.readString(SOURCES.resolve("Counter.java"));
    String quickstart = Files.readString(SOURCES.resolve("Quickstart.java"));

    assertThat(readme).contains(counter.substring(counter.indexOf("import ")).replaceAll(
        "(?s)\n/\\*\\*.*?\\*/\n", "\n").strip());
    List<String> regions = regions(quickstart);
    assertThat(regions).hasSize(5);
    for (String region : regions) {
      assertThat(readme).contains("```java\n" + region + "\n```");
    }
  }

  /** The code between each pair of {@code // [quickstart:NAME]} markers, with its indentation removed. */
  private static List<String> regions(String source) {
    List<String> regions = new ArrayList<>();
    Matcher m = Pattern.compile("// \\[quickstart:([a-z-]+)]\n(.*?)\n\\s*// \\[quickstart:\\1]", Pattern.DOTALL)
        .matcher(source);
    while (m.find()) {
      List<String> lines = m.group(2).lines().toList();
      int indent = lines.stream().filter(l -> !l.isBlank())
          .mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
      regions.add(String.join("\n", lines.stream().map(l -> l.isBlank() ? "" : l.substring(indent)).toList()));
    }
    return regions;
  }
}
