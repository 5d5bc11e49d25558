package io.github.ratissnapshot.archive.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.github.ratissnapshot.archive.format.Digests;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.S3Object;

/** The S3 store against a real S3 protocol server (s3proxy on loopback, on disk). */
@Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class S3StoreIT {
  private static final String BUCKET = "archives";
  private static final UUID GROUP = UUID.fromString("02511d59-1a25-4ae6-a2d0-6c48e3a4d2b1");
  private static final String STATE_SHA = "ab".repeat(32);

  @TempDir
  Path tmp;

  private S3TestServer server;

  @BeforeEach
  void startServer() throws Exception {
    server = S3TestServer.start(Files.createDirectories(tmp.resolve("s3")));
    server.createBucket(BUCKET);
  }

  @AfterEach
  void stopServer() throws Exception {
    server.close();
  }

  private S3Store store(String bucketAndPrefix, String options) {
    return storeAt(server.location(bucketAndPrefix, options), S3TestServer.SECRET_KEY);
  }

  private S3Store storeAt(String location, String secret) {
    return storeAt(location, secret, b -> { });
  }

  private S3Store storeAt(String location, String secret, Consumer<S3ClientBuilder> configure) {
    S3Location where = S3Location.parse(location);
    S3ClientBuilder builder = S3Store.clientBuilder(where);
    configure.accept(builder);
    S3Client client = builder
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(S3TestServer.ACCESS_KEY,
            secret)))
        .build();
    return new S3Store(where, location, client, Clock.systemUTC());
  }

  private static ArchiveName name(int minute, long term, long index) {
    return new ArchiveName(GROUP, Instant.parse("2026-12-02T07:00:00Z").plusSeconds(60L * minute), term, index);
  }

  private Path file(String name, long size, long seed) throws IOException {
    Path f = tmp.resolve(name);
    Random r = new Random(seed);
    byte[] buf = new byte[1 << 16];
    try (OutputStream out = Files.newOutputStream(f)) {
      for (long left = size; left > 0; left -= buf.length) {
        r.nextBytes(buf);
        out.write(buf, 0, (int) Math.min(buf.length, left));
      }
    }
    return f;
  }

  private static String sha256(InputStream in) throws IOException {
    MessageDigest sha = Digests.sha256();
    byte[] buf = new byte[1 << 16];
    for (int n; (n = in.read(buf)) > 0; ) {
      sha.update(buf, 0, n);
    }
    return Digests.hex(sha.digest());
  }

  /** Publishes a file as the agent does after verifying it: with the file's own SHA-256. */
  private static StoredArchive publish(S3Store store, Path file, ArchiveName name, String stateSha)
      throws IOException {
    return store.publish(file, name, stateSha, sha256(file));
  }

  private static String sha256(Path f) throws IOException {
    try (InputStream in = Files.newInputStream(f)) {
      return sha256(in);
    }
  }

  @Test
  void publishesSmallAndMultipartArchivesWithTheirDigestsInMetadataAndReadsThemBack() throws Exception {
    Path small = file("small.snap", 100_000, 1);
    Path large = file("large.snap", (12L << 20) + 12345, 2); // 3 parts of 5 MiB
    try (S3Store store = store(BUCKET + "/dr/prod", "part-size=5MiB&concurrency=2")) {
      StoredArchive a = publish(store, small, name(0, 2, 40), STATE_SHA);
      StoredArchive b = publish(store, large, name(5, 2, 90), "cd".repeat(32));

      assertThat(a).isEqualTo(new StoredArchive(name(0, 2, 40), 100_000, STATE_SHA, sha256(small)));
      assertThat(b).isEqualTo(new StoredArchive(name(5, 2, 90), Files.size(large), "cd".repeat(32), sha256(large)));
      assertThat(store.list(GROUP)).isEqualTo(new ArchiveStore.Listing(List.of(a, b), List.of()));
      assertThat(store.groups()).containsExactly(GROUP);
      try (InputStream in = store.open(b.name())) {
        assertThat(sha256(in)).isEqualTo(sha256(large));
      }
      try (S3Client raw = server.client()) {
        HeadObjectResponse head = raw.headObject(r -> r.bucket(BUCKET).key("dr/prod/" + b.name().key()));
        assertThat(head.metadata()).isEqualTo(Map.of("group", GROUP.toString(), "term", "2", "index", "90",
            "state-sha256", "cd".repeat(32), "archive-sha256", sha256(large)));
        assertThat(head.contentType()).isEqualTo("application/gzip");
        assertThat(raw.listMultipartUploads(r -> r.bucket(BUCKET)).uploads()).as("unfinished uploads").isEmpty();
      }
    }
  }

  @Test
  void aListingReadsEveryArchivesMetadataInOrderWhateverTheConcurrency() throws Exception {
    List<StoredArchive> published = new ArrayList<>();
    try (S3Store store = store(BUCKET + "/many", "concurrency=3")) {
      for (int i = 0; i < 13; i++) { // more archives than HEAD requests in flight, and not a multiple of them
        published.add(publish(store, file("m" + i + ".snap", 100 + i, 100 + i), name(i, 1, 100 + i),
            Integer.toHexString(i).repeat(64).substring(0, 64)));
      }
      assertThat(store.list(GROUP).archives()).containsExactlyElementsOf(published);
    }
    try (S3Store one = store(BUCKET + "/many", "concurrency=1")) {
      assertThat(one.list(GROUP).archives()).containsExactlyElementsOf(published);
    }
  }

  @Test
  void anArchiveAlreadyStoredIsNotOverwrittenAndDeleteRemovesOnlyTheNamedArchive() throws Exception {
    Path f = file("a.snap", 1000, 3);
    try (S3Store store = store(BUCKET, ""); S3Client raw = server.client()) {
      StoredArchive a = publish(store, f, name(0, 1, 10), STATE_SHA);
      StoredArchive b = publish(store, f, name(1, 1, 11), STATE_SHA);
      raw.putObject(r -> r.bucket(BUCKET).key(GROUP + "/notes.txt"), RequestBody.fromString("operator's notes"));

      assertThatThrownBy(() -> publish(store, file("other.snap", 2000, 4), name(0, 1, 10), STATE_SHA))
          .isExactlyInstanceOf(FileAlreadyExistsException.class)
          .hasMessage("s3://archives/" + a.name().key() + ": the store already has this archive");
      assertThat(store.list(GROUP)).isEqualTo(new ArchiveStore.Listing(List.of(a, b), List.of("notes.txt")));

      store.delete(a.name());
      assertThat(store.list(GROUP)).isEqualTo(new ArchiveStore.Listing(List.of(b), List.of("notes.txt")));
      assertThatThrownBy(() -> store.delete(a.name()))
          .isExactlyInstanceOf(NoSuchFileException.class)
          .hasMessage("s3://archives/" + a.name().key() + ": no such archive");
      assertThatThrownBy(() -> store.open(a.name()))
          .isExactlyInstanceOf(NoSuchFileException.class)
          .hasMessage("s3://archives/" + a.name().key() + ": no such object");
      assertThat(keys(raw)).containsExactlyInAnyOrder(b.name().key(), GROUP + "/notes.txt");
    }
  }

  @Test
  void anUploadCutOffByTheServerStoppingLeavesNothingListedAndTheNextCleanUpAbortsItsParts() throws Exception {
    Path large = file("large.snap", 100L << 20, 5); // 20 parts, one at a time
    String location = server.location(BUCKET, "part-size=5MiB&concurrency=1&stale-uploads=0s");
    int port = server.port();
    try (S3Store store = storeAt(location, S3TestServer.SECRET_KEY)) {
      CompletableFuture<StoredArchive> publishing = CompletableFuture.supplyAsync(() -> {
        try {
          return publish(store, large, name(0, 3, 500), STATE_SHA);
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      awaitFirstPart();
      server.close(); // the server goes away mid-upload: the parts so far stay, the abort cannot reach it

      ExecutionException failed = catchThrowableOfType(ExecutionException.class,
          () -> publishing.get(5, TimeUnit.MINUTES));
      assertThat(failed).as("the publish's failure").isNotNull().rootCause()
          .isInstanceOf(java.net.ConnectException.class);
      assertThat(failed.getCause().getCause()).isExactlyInstanceOf(IOException.class).message()
          .startsWith("cannot reach http://127.0.0.1:" + port + " to upload part ")
          .contains(" of s3://archives/" + name(0, 3, 500).key() + ": ");

      server = S3TestServer.start(server.directory(), port);
      try (S3Client raw = server.client()) {
        assertThat(store.list(GROUP).archives()).as("archives after the cut-off upload").isEmpty();
        List<MultipartUpload> left = raw.listMultipartUploads(r -> r.bucket(BUCKET)).uploads();
        assertThat(left).as("the unfinished upload the abort could not reach").hasSize(1);

        assertThat(store.cleanUp(GROUP)).containsExactly(name(0, 3, 500).fileName() + " (unfinished upload "
            + left.get(0).uploadId() + ")");
        assertThat(raw.listMultipartUploads(r -> r.bucket(BUCKET)).uploads()).isEmpty();
        assertThat(store.cleanUp(GROUP)).isEmpty();
        assertThat(keys(raw)).isEmpty();
      }
    }
  }

  // The store tries a part 3 times (S3Store.PART_ATTEMPTS); the SDK's own retries are off in these two tests so
  // that every refusal reaches the store.

  @Test
  void aPartTheServerRefusesTwiceIsSentAgainAndTheArchiveArrivesWhole() throws Exception {
    Path large = file("large.snap", 12L << 20, 6); // parts of 5, 5 and 2 MiB
    server.refusals().refuse(2, 2);
    try (S3Store store = storeWithoutSdkRetries("part-size=5MiB&concurrency=2"); S3Client raw = server.client()) {
      StoredArchive a = publish(store, large, name(0, 3, 700), STATE_SHA);
      assertThat(server.refusals().refused()).isEqualTo(2);
      assertThat(store.list(GROUP).archives()).containsExactly(a);
      try (InputStream in = store.open(a.name())) {
        assertThat(sha256(in)).isEqualTo(sha256(large)).isEqualTo(a.archiveSha256());
      }
      assertThat(raw.listMultipartUploads(r -> r.bucket(BUCKET)).uploads()).isEmpty();
    }
  }

  @Test
  void aPartRefusedOnEveryAttemptFailsThePublishNamingItAndAbortsTheUpload() throws Exception {
    Path large = file("large.snap", 12L << 20, 7);
    server.refusals().refuse(2, 3);
    ArchiveName n = name(0, 3, 800);
    try (S3Store store = storeWithoutSdkRetries("part-size=5MiB&concurrency=1"); S3Client raw = server.client()) {
      assertThatThrownBy(() -> publish(store, large, n, STATE_SHA))
          .isInstanceOf(IOException.class)
          .hasMessageStartingWith("failed to upload part 2 of s3://archives/" + n.key() + " at " + server.endpoint()
              + ": 500: no error message (request ");
      assertThat(server.refusals().refused()).isEqualTo(3);
      assertThat(store.list(GROUP).archives()).isEmpty();
      assertThat(raw.listMultipartUploads(r -> r.bucket(BUCKET)).uploads()).as("uploads left behind").isEmpty();
      assertThat(keys(raw)).isEmpty();
    }
  }

  private S3Store storeWithoutSdkRetries(String options) {
    return storeAt(server.location(BUCKET, options), S3TestServer.SECRET_KEY,
        b -> b.overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry())));
  }


  @Test
  void cleanUpLeavesUploadsYoungerThanTheStaleAgeAndThoseOfOtherGroups() throws Exception {
    try (S3Store store = store(BUCKET, "stale-uploads=1h"); S3Client raw = server.client()) {
      raw.createMultipartUpload(r -> r.bucket(BUCKET).key(GROUP + "/" + name(0, 1, 1).fileName()));
      UUID other = UUID.randomUUID();
      raw.createMultipartUpload(r -> r.bucket(BUCKET).key(other + "/" + name(0, 1, 1).fileName()));

      assertThat(store.cleanUp(GROUP)).isEmpty();
      assertThat(raw.listMultipartUploads(r -> r.bucket(BUCKET)).uploads()).hasSize(2);
    }
  }

  @Test
  void aMissingBucketIsAnErrorThatNamesItNotAnEmptyListing() throws Exception {
    try (S3Store store = store("no-such-bucket/dr", "")) {
      assertThatThrownBy(() -> store.list(GROUP))
          .isExactlyInstanceOf(IOException.class)
          .hasMessage("bucket 'no-such-bucket' does not exist at " + server.endpoint() + " (list s3://no-such-bucket/dr/"
              + GROUP + "/)");
      assertThatThrownBy(() -> publish(store, file("a.snap", 10, 6), name(0, 1, 1), STATE_SHA))
          .isExactlyInstanceOf(IOException.class)
          .hasMessageStartingWith("bucket 'no-such-bucket' does not exist at " + server.endpoint());
    }
  }

  @Test
  void wrongCredentialsAreRefusedWithAMessageSayingWhatToCheckAndNothingIsWritten() throws Exception {
    try (S3Store store = storeAt(server.location(BUCKET, ""), "not-the-secret"); S3Client raw = server.client()) {
      assertThatThrownBy(() -> store.list(GROUP))
          .isExactlyInstanceOf(IOException.class)
          .hasMessageStartingWith("access denied to list s3://archives/" + GROUP + "/ at " + server.endpoint() + " (403")
          .hasMessageEndingWith("): check the credentials (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or "
              + "AWS_PROFILE) and that they may list, read, write and delete under s3://archives/ and list and "
              + "abort multipart uploads");
      assertThatThrownBy(() -> publish(store, file("a.snap", 10, 7), name(0, 1, 1), STATE_SHA))
          .isExactlyInstanceOf(IOException.class)
          .hasMessageStartingWith("access denied to ");
      assertThat(keys(raw)).isEmpty();
    }
  }

  @Test
  void noCredentialsSaysWhereTheyComeFrom() throws Exception {
    try (S3Store store = S3Store.open(server.location(BUCKET, "profile=no-such-profile"))) {
      assertThatThrownBy(() -> store.list(GROUP))
          .isExactlyInstanceOf(IOException.class)
          .hasMessageStartingWith("no S3 credentials for s3://archives/" + GROUP + "/: set AWS_ACCESS_KEY_ID and "
              + "AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or give profile=NAME (")
          .hasMessageContaining("no-such-profile")
          .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(400).doesNotContain("\n"));
    }
  }

  @Test
  void anUnreachableEndpointSaysSo() throws Exception {
    try (S3Store store = storeAt("s3://" + BUCKET + "?endpoint=http://127.0.0.1:1", S3TestServer.SECRET_KEY)) {
      assertThatThrownBy(() -> store.list(GROUP))
          .isExactlyInstanceOf(IOException.class)
          .hasMessage("cannot reach http://127.0.0.1:1 to list s3://archives/" + GROUP + "/: Connection refused");
    }
  }

  /** Waits until the server holds at least one whole part (5 MiB) of an unfinished upload on its disk. */
  private void awaitFirstPart() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    Path bucket = server.directory().resolve(BUCKET);
    while (System.nanoTime() < deadline) {
      long bytes;
      try (Stream<Path> s = Files.walk(bucket)) {
        bytes = s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
      } catch (IOException | java.io.UncheckedIOException racingWithTheServer) {
        bytes = 0;
      }
      if (bytes >= 5L << 20) {
        return;
      }
      Thread.sleep(2);
    }
    throw new AssertionError("no part arrived within 60 s");
  }

  private List<String> keys(S3Client raw) {
    try (Stream<S3Object> s = raw.listObjectsV2Paginator(r -> r.bucket(BUCKET)).contents().stream()) {
      return s.map(S3Object::key).toList();
    }
  }
}
