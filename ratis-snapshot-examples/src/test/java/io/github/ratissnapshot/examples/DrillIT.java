package io.github.ratissnapshot.examples;

import static io.github.ratissnapshot.examples.CliAssertions.assertExit;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.ratissnapshot.archive.store.S3TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/** The disaster-recovery drill, run as an operator runs it: a process that exits 0 only when it passed. */
@Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DrillIT {
  @Tag("compat")
  @Test
  void drillPassesAndItsArchivesVerify(@TempDir Path dir) throws Exception {
    Path archive = dir.resolve("drill.snap");
    CliProcess.Result r = CliProcess.run(Duration.ofMinutes(3), "drill", "--keys", "2000",
        "--dir", dir.resolve("work").toString(), "--keep-archive", archive.toString());

    assertExit(r, 0);
    assertThat(r.stdout()).as(r::describe).contains("DRILL PASSED").doesNotContain("DRILL FAILED");
    assertThat(r.stdoutLines()).as(r::describe).noneMatch(line -> line.startsWith("FAIL"))
        .anyMatch(line -> line.startsWith("ok   restore the archive online"))
        .anyMatch(line -> line.startsWith("ok   every node of B is back to the archive's keys"))
        .anyMatch(line -> line.matches("ok   agent cycle 3 \\(ratis-snapshot agent --once\\) .* published term \\d+ "
            + "index \\d+ .*"))
        .anyMatch(line -> line.matches("ok   agent cycle, no writes .* skipped: nothing changed since .*"))
        .anyMatch(line -> line.startsWith("ok   every node of C holds cluster B's last state"));
    assertExit(CliProcess.run("verify", archive.toString()), 0);
    // The continuous path's store: three archives published, pruned to the two newest, each valid.
    List<Path> kept;
    try (Stream<Path> s = Files.walk(dir.resolve("work").resolve("archives"))) {
      kept = s.filter(p -> p.toString().endsWith(".snap")).toList();
    }
    assertThat(kept).hasSize(2);
    for (Path p : kept) {
      assertExit(CliProcess.run("verify", p.toString()), 0);
    }
  }

  @Test
  void drillPassesAgainstAnS3Store(@TempDir Path dir) throws Exception {
    try (S3TestServer s3 = S3TestServer.start(Files.createDirectories(dir.resolve("s3")))) {
      s3.createBucket("drill");
      String store = s3.location("drill/dr", "");
      CliProcess.Result r = CliProcess.exec(CliProcess.jarCommand("drill", "--keys", "2000", "--dir",
          dir.resolve("work").toString(), "--store", store), Map.of("AWS_ACCESS_KEY_ID", S3TestServer.ACCESS_KEY,
          "AWS_SECRET_ACCESS_KEY", S3TestServer.SECRET_KEY), Duration.ofMinutes(3));

      assertExit(r, 0);
      assertThat(r.stdout()).as(r::describe).contains("DRILL PASSED");
      assertThat(r.stdoutLines()).as(r::describe)
          .anyMatch(line -> line.matches("ok   agent cycle 3 \\(ratis-snapshot agent --once\\) .* published term "
              + "\\d+ index \\d+ .* to \\d{8}T\\d{6}Z-t\\d+-i\\d+\\.snap in .*"))
          .anyMatch(line -> line.startsWith("ok   every node of C holds cluster B's last state"));
      try (S3Client raw = s3.client(); Stream<S3Object> objects = raw.listObjectsV2Paginator(b -> b.bucket("drill")
          .prefix("dr/")).contents().stream()) {
        assertThat(objects.map(S3Object::key)).as("the store after the drill's prune to 2").hasSize(2)
            .allMatch(k -> k.matches("dr/[0-9a-f-]{36}/\\d{8}T\\d{6}Z-t\\d+-i\\d+\\.snap"));
      }
    }
  }
}
