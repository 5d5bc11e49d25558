package io.github.ratissnapshot.archive.format;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writes and verifies a 2 GiB state in a child JVM limited to a 64 MiB heap: the writer and the reader
 * stream, whatever the size. The child writes at gzip level 1 to keep this near half a minute on two
 * cores; the level does not change how much memory either side holds.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class BoundedMemoryIT {
  private static final long SIZE = 2L << 30;
  private static final long SEED = 64;

  @TempDir
  Path dir;

  @Test
  void twoGibStateRoundTripsThroughAFileIn64MibOfHeap() throws Exception {
    CompletableFuture<byte[]> expected = CompletableFuture.supplyAsync(() -> {
      try {
        return TestStates.sha256(SEED, SIZE);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    String javaBinary = ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    List<String> command = List.of(javaBinary, "-Xmx64m", "-XX:+ExitOnOutOfMemoryError",
        "-cp", System.getProperty("java.class.path"), BoundedMemoryMain.class.getName(),
        dir.toString(), Long.toString(SIZE), Long.toString(SEED), "1");

    Process child = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(dir.resolve("child.log").toFile()).start();
    boolean exited = child.waitFor(5, TimeUnit.MINUTES);
    if (!exited) {
      child.destroyForcibly();
    }
    Path log = dir.resolve("child.log");
    String output = Files.readString(log, StandardCharsets.UTF_8);
    Files.delete(log);

    System.out.println(output);
    assertThat(exited).as("child finished in time: %s", output).isTrue();
    assertThat(child.exitValue()).as(output).isZero();
    String hash = HexFormat.of().formatHex(expected.get(5, TimeUnit.MINUTES));
    assertThat(output.lines()).contains(
        "written " + SIZE + " " + hash,
        "verified " + SIZE + " " + hash,
        "extracted " + SIZE + " " + hash);
    long heap = Long.parseLong(output.lines().filter(l -> l.startsWith("heap ")).findFirst().orElseThrow()
        .substring(5));
    assertThat(heap).isLessThanOrEqualTo(64L << 20);
    // The child deleted the archive and the extracted state.
    assertThat(dir).isEmptyDirectory();
  }
}
