package io.github.ratissnapshot.examples;

import static io.github.ratissnapshot.examples.CliAssertions.assertExit;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The disaster-recovery drill, run as an operator runs it: a process that exits 0 only when it passed. */
@Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DrillIT {
  @Test
  void drillPassesAndItsArchiveVerifies(@TempDir Path dir) {
    Path archive = dir.resolve("drill.snap");
    CliProcess.Result r = CliProcess.run(Duration.ofMinutes(3), "drill", "--keys", "2000",
        "--dir", dir.resolve("work").toString(), "--keep-archive", archive.toString());

    assertExit(r, 0);
    assertThat(r.stdout()).as(r::describe).contains("DRILL PASSED").doesNotContain("DRILL FAILED");
    assertThat(r.stdoutLines()).as(r::describe).noneMatch(line -> line.startsWith("FAIL"))
        .anyMatch(line -> line.startsWith("ok   restore the archive online"))
        .anyMatch(line -> line.startsWith("ok   every node of B is back to the archive's keys"));
    assertExit(CliProcess.run("verify", archive.toString()), 0);
  }
}
