package io.github.ratissnapshot.archive.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.ratissnapshot.archive.store.ArchiveName;
import java.nio.file.Path;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ArchiveSourceTest {
  private static final String GROUP = "02511d59-1a25-4ae6-a2d0-6c48e3a4d2b1";
  private static final ArchiveName NAME = new ArchiveName(UUID.fromString(GROUP),
      Instant.parse("2026-12-02T07:00:00Z"), 3, 90);

  private static ArchiveSource convert(String raw) {
    return new ArchiveSource.Converter().convert(raw);
  }

  @Test
  void aFileAndStandardInputAreNotInAStore() {
    ArchiveSource f = convert("/backups/x.snap");
    assertThat(f.inStore()).isEmpty();
    assertThat(f.path()).isEqualTo(Path.of("/backups/x.snap"));
    assertThat(f.describe()).isEqualTo("/backups/x.snap");
    assertThat(convert("-").isStandardStream()).isTrue();
    assertThat(convert("-").describe()).isEqualTo("standard input");
  }

  @Test
  void anS3UriSplitsIntoTheStoreLocationWithItsOptionsAndTheArchiveName() {
    ArchiveSource s = convert("s3://backups/dr/prod/" + GROUP + "/20261202T070000Z-t3-i90.snap"
        + "?endpoint=http://127.0.0.1:9000&part-size=8MiB");
    assertThat(s.inStore()).contains(new ArchiveSource.InStore(
        "s3://backups/dr/prod?endpoint=http://127.0.0.1:9000&part-size=8MiB", NAME));
    assertThat(s.describe()).isEqualTo("s3://backups/dr/prod/" + GROUP + "/20261202T070000Z-t3-i90.snap");
    assertThat(convert("s3://backups/" + GROUP + "/20261202T070000Z-t3-i90.snap").inStore())
        .contains(new ArchiveSource.InStore("s3://backups", NAME));
  }

  @Test
  void anS3UriThatNamesNoArchiveIsAConversionError() {
    assertThatThrownBy(() -> convert("s3://backups/x.snap"))
        .isExactlyInstanceOf(CommandLine.TypeConversionException.class)
        .hasMessage("'s3://backups/x.snap' names no archive: give s3://bucket[/prefix]/<group>/<name>.snap");
    assertThatThrownBy(() -> convert("s3://backups/dr/not-a-group/20261202T070000Z-t3-i90.snap"))
        .hasMessage("'s3://backups/dr/not-a-group/20261202T070000Z-t3-i90.snap': 'not-a-group' is not a group id "
            + "(s3://bucket[/prefix]/<group>/<name>.snap)");
    assertThatThrownBy(() -> convert("s3://backups/" + GROUP + "/latest.snap"))
        .hasMessage("'s3://backups/" + GROUP + "/latest.snap': 'latest.snap' is not an archive name "
            + "(<yyyyMMdd'T'HHmmss'Z'>-t<term>-i<index>.snap)");
  }
}
