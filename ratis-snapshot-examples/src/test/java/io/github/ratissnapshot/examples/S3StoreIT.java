package io.github.ratissnapshot.examples;

import static io.github.ratissnapshot.examples.CliAssertions.assertExit;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.ratissnapshot.archive.format.Digests;
import io.github.ratissnapshot.archive.store.S3TestServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The CLI's {@code s3://} stores, run as the real CLI against the example cluster and a real S3 protocol
 * server (s3proxy on loopback, in this JVM), with credentials from the environment as an operator gives them.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class S3StoreIT {
  private static final Map<String, String> CREDENTIALS = Map.of("AWS_ACCESS_KEY_ID", S3TestServer.ACCESS_KEY,
      "AWS_SECRET_ACCESS_KEY", S3TestServer.SECRET_KEY);
  private static final Pattern PUBLISHED = Pattern.compile(
      "^\\S+Z published term \\d+ index (\\d+) \\(.+\\) to (.+?)(; retention deleted (\\d+))? in [\\d.]+ s$");

  @TempDir
  static Path shared;

  private static ClusterProcess cluster;
  private static S3TestServer server;

  @BeforeAll
  static void start() throws Exception {
    server = S3TestServer.start(Files.createDirectories(shared.resolve("s3")));
    cluster = ClusterProcess.start(shared.resolve("cluster"), 3);
    cluster.kvOk("load", "--keys", "500", "--prefix", "s3/");
  }

  @AfterAll
  static void stop() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private static CliProcess.Result cli(Map<String, String> env, String... args) {
    return CliProcess.exec(CliProcess.jarCommand(args), env, CliProcess.DEFAULT_TIMEOUT);
  }

  private static CliProcess.Result cli(String... args) {
    return cli(CREDENTIALS, args);
  }

  private static CliProcess.Result agentOnce(String... more) {
    List<String> args = new ArrayList<>(List.of("agent", "--once", "--no-lease"));
    args.addAll(cluster.groupArguments());
    args.addAll(Arrays.asList(more));
    return cli(args.toArray(String[]::new));
  }

  /**
   * Returns the bucket's objects, less s3proxy's own bookkeeping (its file system back end shows an
   * unfinished upload as {@code .mpus-*} objects and a directory as an object).
   */
  private static List<String> keys(String bucket) {
    try (S3Client raw = server.client(); Stream<S3Object> s = raw.listObjectsV2Paginator(r -> r.bucket(bucket))
        .contents().stream()) {
      return s.map(S3Object::key).filter(k -> !k.startsWith(".mpus-") && k.contains("/")).sorted().toList();
    }
  }

  @Test
  void saveToS3ThenVerifyListRestoreTheNewestThatVerifiesAndSeedByItsUri(@TempDir Path dir) throws Exception {
    server.createBucket("manual");
    String store = server.location("manual/dr", "");
    cluster.kvOk("put", "s3/manual", "saved");
    String saved = cluster.digest();

    CliProcess.Result save = cli("save", "--peers", cluster.peersArgument(), "--to", store, "--verify-upload");

    assertExit(save, 0);
    List<String> objects = keys("manual");
    assertThat(objects).hasSize(1);
    assertThat(objects.get(0)).matches("dr/" + cluster.group() + "/\\d{8}T\\d{6}Z-t\\d+-i\\d+\\.snap");
    assertThat(save.stdout()).startsWith("Saved s3://manual/" + objects.get(0) + ": ID ");
    try (S3Client raw = server.client()) {
      HeadObjectResponse head = raw.headObject(r -> r.bucket("manual").key(objects.get(0)));
      assertThat(head.metadata()).containsOnlyKeys("group", "term", "index", "state-sha256", "archive-sha256")
          .containsEntry("group", cluster.group().toString());
      // The digest the save's verification computed is the uploaded object's, and the one the summary prints.
      String objectSha256;
      try (InputStream in = raw.getObject(r -> r.bucket("manual").key(objects.get(0)))) {
        MessageDigest sha = Digests.sha256();
        new DigestInputStream(in, sha).transferTo(OutputStream.nullOutputStream());
        objectSha256 = Digests.hex(sha.digest());
      }
      assertThat(head.metadata()).containsEntry("archive-sha256", objectSha256);
      assertThat(save.stdout().strip()).endsWith("sha256 " + objectSha256);
      // A newer object that does not verify (a truncated copy, say) must be skipped, never restored.
      raw.putObject(r -> r.bucket("manual").key("dr/" + cluster.group() + "/29991231T000000Z-t9-i999999.snap"),
          RequestBody.fromString("not an archive"));
    }

    String uri = "s3://manual/" + objects.get(0) + "?endpoint=" + server.endpoint();
    CliProcess.Result verify = cli("verify", uri);
    assertExit(verify, 0);
    assertThat(verify.stdout()).startsWith("s3://manual/" + objects.get(0) + ": valid snapshot archive (ID ");
    CliProcess.Result bad = cli("verify", "s3://manual/dr/" + cluster.group() + "/29991231T000000Z-t9-i999999.snap"
        + "?endpoint=" + server.endpoint());
    assertExit(bad, 3);
    CliProcess.Result missing = cli("inspect", "s3://manual/dr/" + cluster.group() + "/20000101T000000Z-t1-i1.snap"
        + "?endpoint=" + server.endpoint());
    assertExit(missing, 1);
    assertThat(missing.stderrLines()).containsExactly("ratis-snapshot inspect: no such file: s3://manual/dr/"
        + cluster.group() + "/20000101T000000Z-t1-i1.snap");

    CliProcess.Result list = cli("list", store);
    assertExit(list, 0);
    assertThat(list.stdoutLines().get(0)).isEqualTo("group " + cluster.group() + ": 2 archives");

    cluster.kvOk("put", "s3/manual", "changed");
    CliProcess.Result restore = cli("restore", "--peers", cluster.peersArgument(), "--latest", store);
    assertExit(restore, 0);
    assertThat(restore.stderrLines()).anyMatch(l -> l.startsWith("skipping s3://manual/dr/" + cluster.group()
        + "/29991231T000000Z-t9-i999999.snap: "));
    cluster.awaitDigestOnEveryNode(saved);

    CliProcess.Result seed = cli("seed", "--storage-dir", dir.resolve("seeded").toString(), "--peer", "m1",
        "--peers", "m1=127.0.0.1:" + FreePorts.any(1)[0], uri);
    assertExit(seed, 0);
    assertThat(seed.stdoutLines().get(0)).startsWith("Seeded peer m1 of group ");
    assertThat(keys("manual")).as("nothing deleted").hasSize(2);
  }

  @Test
  void theAgentPublishesToS3SkipsFromTheObjectMetadataAfterARestartAndKeepsWhatRetentionNames() throws Exception {
    server.createBucket("agent");
    String store = server.location("agent", "");

    CliProcess.Result first = agentOnce("--to", store, "--verify-upload");
    assertExit(first, 0);
    assertThat(PUBLISHED.matcher(first.stdoutLines().get(0)).matches()).as(first::describe).isTrue();
    assertThat(keys("agent")).hasSize(1);

    CliProcess.Result skipped = agentOnce("--to", store);
    assertExit(skipped, 0);
    assertThat(skipped.stdoutLines().get(0)).matches("^\\S+Z skipped: nothing changed since "
        + Pattern.quote(keys("agent").get(0).substring(cluster.group().toString().length() + 1))
        + " \\(the group's state is as of index \\d+\\)$");

    cluster.kvOk("put", "s3/agent", "changed");
    Thread.sleep(1100); // names are to the second
    CliProcess.Result again = agentOnce("--to", store, "--retain", "last=1", "--verify-upload");
    assertExit(again, 0);
    Matcher m = PUBLISHED.matcher(again.stdoutLines().get(0));
    assertThat(m.matches()).as(again::describe).isTrue();
    assertThat(m.group(4)).as("archives retention deleted").isEqualTo("1");
    List<String> left = keys("agent");
    assertThat(left).hasSize(1);
    assertThat(m.group(2)).isEqualTo("s3://agent/" + left.get(0));
    try (S3Client raw = server.client()) {
      assertThat(raw.listMultipartUploads(r -> r.bucket("agent")).uploads()).as("unfinished uploads").isEmpty();
    }
  }

  @Test
  void refusedCredentialsAndAMissingBucketFailTheCycleWithOneLineAndPublishNothing() {
    server.createBucket("refusing");
    CliProcess.Result refused = cli(Map.of("AWS_ACCESS_KEY_ID", S3TestServer.ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY", "not-the-secret"), Stream.concat(Stream.of("agent", "--once", "--no-lease",
        "--to", server.location("refusing", "")), cluster.groupArguments().stream()).toArray(String[]::new));
    assertExit(refused, 1);
    assertThat(refused.stdoutLines()).hasSize(1);
    assertThat(refused.stdoutLines().get(0)).matches("^\\S+Z FAILED at clean-up: access denied to list unfinished "
        + "uploads under s3://refusing/" + cluster.group() + "/ at " + Pattern.quote(server.endpoint().toString())
        + " \\(403.*\\): check the credentials \\(AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE\\).*");
    assertThat(keys("refusing")).isEmpty();

    CliProcess.Result missing = cli("list", server.location("no-such-bucket", ""));
    assertExit(missing, 1);
    assertThat(missing.stderrLines()).containsExactly("ratis-snapshot list: bucket 'no-such-bucket' does not "
        + "exist at " + server.endpoint() + " (list s3://no-such-bucket/)");
  }

  @Test
  void anAgentKilledMidUploadLeavesNoArchiveAndTheNextSweepsItsPartsAndPublishesWithA64MiBHeap(@TempDir Path dir)
      throws Exception {
    server.createBucket("killed");
    String store = server.location("killed", "part-size=5MiB&concurrency=1&stale-uploads=0s");
    try (ClusterProcess blob = ClusterProcess.start(dir.resolve("cluster"), 3,
        ClusterProcess.Launch.DEFAULT.blob().jvm("-Xmx256m"))) {
      List<String> generate = new ArrayList<>(List.of("blob", "generate", "--size", "384MiB", "--seed", "3"));
      generate.addAll(blob.groupArguments());
      assertExit(CliProcess.run(Duration.ofMinutes(3), generate.toArray(String[]::new)), 0);
      List<String> agent = new ArrayList<>(List.of("agent", "--once", "--no-lease", "--to", store));
      agent.addAll(blob.groupArguments());
      List<String> command = CliProcess.jarCommand(List.of("-Xmx64m"), agent.toArray(String[]::new));

      Process killed = CliProcess.start(command, CREDENTIALS, dir.resolve("killed.out"), dir.resolve("killed.err"));
      try {
        awaitPartOnServerDisk("killed", Duration.ofMinutes(3), killed);
      } finally {
        killed.destroyForcibly().waitFor(); // SIGKILL mid-upload
      }
      assertThat(keys("killed")).as("objects after the kill").isEmpty();
      try (S3Client raw = server.client()) {
        assertThat(raw.listMultipartUploads(r -> r.bucket("killed")).uploads()).as("the killed upload").hasSize(1);
      }

      CliProcess.Result next = CliProcess.exec(command, CREDENTIALS, Duration.ofMinutes(5));

      assertExit(next, 0);
      // At 64 MiB the JVM may warn about its heap on standard output too; the agent's line is the last one.
      List<String> lines = next.stdoutLines();
      Matcher m = PUBLISHED.matcher(lines.get(lines.size() - 1));
      assertThat(m.matches()).as(next::describe).isTrue();
      // The killed agent's scratch archive and its unfinished upload, both removed by the next agent.
      assertThat(m.group(2)).as(next::describe).matches("s3://killed/" + blob.group() + "/\\S+\\.snap; cleaned up "
          + "\\S+/ratis-snapshot-agent-" + blob.group() + "/snapshot-\\d+\\.snap\\.tmp, s3://killed/" + blob.group()
          + "/\\S+\\.snap \\(unfinished upload \\S+\\)");
      assertThat(next.stderr()).as(next::describe).doesNotContain("OutOfMemoryError");
      List<String> published = keys("killed");
      assertThat(published).hasSize(1);
      try (S3Client raw = server.client()) {
        assertThat(raw.listMultipartUploads(r -> r.bucket("killed")).uploads()).isEmpty();
        assertThat(raw.headObject(r -> r.bucket("killed").key(published.get(0))).contentLength())
            .as("the archive is larger than the agent's heap").isGreaterThan(64L << 20);
      }
      Path copy = dir.resolve("copy.snap");
      try (S3Client raw = server.client()) {
        raw.getObject(r -> r.bucket("killed").key(published.get(0)), copy);
      }
      assertExit(CliProcess.run("verify", copy.toString()), 0);
    }
  }

  /** Waits until the server holds at least one whole 5 MiB part of an upload on its disk. */
  private static void awaitPartOnServerDisk(String bucket, Duration timeout, Process uploader) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    Path dir = server.directory().resolve(bucket);
    while (System.nanoTime() < deadline) {
      assertThat(uploader.isAlive()).as("the agent is still running").isTrue();
      long bytes;
      try (Stream<Path> s = Files.walk(dir)) {
        bytes = s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
      } catch (java.io.IOException | java.io.UncheckedIOException racingWithTheServer) {
        bytes = 0;
      }
      if (bytes >= 5L << 20) {
        return;
      }
      Thread.sleep(5);
    }
    throw new AssertionError("no part arrived within " + timeout);
  }
}
