package io.github.ratissnapshot.archive.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class S3LocationTest {
  private static final UUID GROUP = UUID.fromString("02511d59-1a25-4ae6-a2d0-6c48e3a4d2b1");
  private static final ArchiveName NAME = new ArchiveName(GROUP, Instant.parse("2026-12-02T07:00:00Z"), 3, 90);

  @Test
  void aBareBucketIsAwsWithVirtualHostsAndDefaults() {
    S3Location l = S3Location.parse("s3://backups");
    assertThat(l.bucket()).isEqualTo("backups");
    assertThat(l.prefix()).isEmpty();
    assertThat(l.endpoint()).isNull();
    assertThat(l.pathStyle()).isFalse();
    assertThat(l.partSize()).isEqualTo(16L << 20);
    assertThat(l.concurrency()).isEqualTo(4);
    assertThat(l.staleUploads()).isEqualTo(Duration.ofHours(1));
    assertThat(l.profile()).isNull();
    assertThat(l.keyOf(NAME)).isEqualTo(GROUP + "/20261202T070000Z-t3-i90.snap");
    assertThat(l.url(l.keyOf(NAME))).isEqualTo("s3://backups/" + GROUP + "/20261202T070000Z-t3-i90.snap");
  }

  @Test
  void anEndpointMeansPathStyleAndEveryOptionParses() {
    S3Location l = S3Location.parse("s3://backups//dr/prod/?endpoint=http://minio.local:9000&region=eu-west-1"
        + "&part-size=64MiB&concurrency=8&stale-uploads=30m&profile=backup");
    assertThat(l).isEqualTo(new S3Location("backups", "dr/prod", URI.create("http://minio.local:9000"), "eu-west-1",
        true, 64L << 20, 8, Duration.ofMinutes(30), "backup"));
    assertThat(l.keyOf(NAME)).isEqualTo("dr/prod/" + GROUP + "/20261202T070000Z-t3-i90.snap");
    assertThat(S3Location.parse("s3://b?endpoint=https://h&path-style=false").pathStyle()).isFalse();
    assertThat(S3Location.parse("s3://b?stale-uploads=0s").staleUploads()).isZero();
  }

  @Test
  void badLocationsSayWhatIsWrong() {
    assertThatThrownBy(() -> S3Location.parse("s3:///prefix"))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("'s3:///prefix' names no bucket (s3://bucket/prefix)");
    assertThatThrownBy(() -> S3Location.parse("s3://b?bogus=1"))
        .hasMessage("'s3://b?bogus=1': unknown option 'bogus' (known: concurrency, endpoint, part-size, path-style, "
            + "profile, region, stale-uploads)");
    assertThatThrownBy(() -> S3Location.parse("s3://b?part-size=4MiB"))
        .hasMessage("'s3://b?part-size=4MiB': part-size 4194304 is below S3's minimum of 5 MiB");
    assertThatThrownBy(() -> S3Location.parse("s3://b?part-size=lots"))
        .hasMessage("'s3://b?part-size=lots': part-size is not a size like 16MiB: 'lots'");
    assertThatThrownBy(() -> S3Location.parse("s3://b?concurrency=0"))
        .hasMessage("'s3://b?concurrency=0': concurrency 0 is not within 1..64");
    assertThatThrownBy(() -> S3Location.parse("s3://b?endpoint=minio:9000"))
        .hasMessage("'s3://b?endpoint=minio:9000': endpoint 'minio:9000' is not http(s)://host[:port]");
    assertThatThrownBy(() -> S3Location.parse("s3://b?path-style=yes"))
        .hasMessage("'s3://b?path-style=yes': path-style must be true or false, not 'yes'");
    assertThatThrownBy(() -> S3Location.parse("s3://b?stale-uploads=soon"))
        .hasMessage("'s3://b?stale-uploads=soon': stale-uploads is not a duration like 0s, 30m or 1h: 'soon'");
  }

  @Test
  void thePartSizeGrowsOnlyWhenTenThousandPartsWouldNotHoldTheArchive() throws Exception {
    try (S3Store store = S3Store.open("s3://b?endpoint=http://127.0.0.1:1&part-size=5MiB")) {
      assertThat(store.partSize(1L << 30)).isEqualTo(5L << 20);
      assertThat(store.partSize(50_000L << 20)).isEqualTo(5L << 20);
      assertThat(store.partSize(100_000L << 20)).isEqualTo(10L << 20);
      assertThat(store.partSize((100_000L << 20) + 1)).isEqualTo(11L << 20);
    }
  }
}
