package io.github.ratissnapshot.archive.store;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;
import org.jclouds.blobstore.domain.MultipartPart;
import org.jclouds.blobstore.domain.MultipartUpload;
import org.jclouds.blobstore.util.ForwardingBlobStore;
import org.jclouds.io.Payload;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real S3 protocol server for tests: s3proxy on loopback over a directory ({@code filesystem-nio2}), so
 * that what it holds survives a stop and a restart on the same port. Requests are signed and checked
 * (AWS v2 or v4) against {@link #ACCESS_KEY} and {@link #SECRET_KEY}.
 */
public final class S3TestServer implements AutoCloseable {
  /** The access key the server accepts. */
  public static final String ACCESS_KEY = "test-access-key";
  /** The secret key the server accepts. */
  public static final String SECRET_KEY = "test-secret-key";

  private final Path directory;
  private final S3Proxy proxy;
  private final int port;
  private final PartRefusals refusals;

  private S3TestServer(Path directory, S3Proxy proxy, int port, PartRefusals refusals) {
    this.directory = directory;
    this.proxy = proxy;
    this.port = port;
    this.refusals = refusals;
  }

  /**
   * The server's storage, which can be told to fail the next uploads of a part: s3proxy then answers those
   * requests with a server error, as an S3 service in trouble does. Thread-safe.
   */
  public static final class PartRefusals extends ForwardingBlobStore {
    private final Map<Integer, AtomicInteger> left = new ConcurrentHashMap<>();
    private final AtomicInteger refused = new AtomicInteger();

    PartRefusals(BlobStore delegate) {
      super(delegate);
    }

    /** Fails the next {@code times} uploads of part {@code partNumber} (of any upload). */
    public void refuse(int partNumber, int times) {
      left.put(partNumber, new AtomicInteger(times));
    }

    /** Returns how many part uploads were failed so far. */
    public int refused() {
      return refused.get();
    }

    @Override
    public MultipartPart uploadMultipartPart(MultipartUpload mpu, int partNumber, Payload payload) {
      AtomicInteger n = left.get(partNumber);
      if (n != null && n.getAndUpdate(v -> Math.max(0, v - 1)) > 0) {
        refused.incrementAndGet();
        throw new RuntimeException("refused part " + partNumber + " (injected by the test)");
      }
      return super.uploadMultipartPart(mpu, partNumber, payload);
    }
  }

  /**
   * Starts a server over {@code directory} (buckets are its subdirectories) on {@code port} (0: any free
   * one).
   */
  public static S3TestServer start(Path directory, int port) throws Exception {
    return start(directory, port, "filesystem-nio2");
  }

  /**
   * Starts a server that keeps everything in memory (s3proxy's {@code transient-nio2}): for benchmarks that
   * measure the client and the protocol, not the server's disk.
   */
  public static S3TestServer startInMemory() throws Exception {
    return start(null, 0, "transient-nio2");
  }

  private static S3TestServer start(Path directory, int port, String provider) throws Exception {
    Properties p = new Properties();
    if (directory != null) {
      p.setProperty("jclouds.filesystem.basedir", directory.toString());
    }
    BlobStoreContext context = ContextBuilder.newBuilder(provider).credentials("unused", "unused")
        .overrides(p).build(BlobStoreContext.class);
    PartRefusals refusals = new PartRefusals(context.getBlobStore());
    S3Proxy proxy = S3Proxy.builder().blobStore(refusals)
        .endpoint(URI.create("http://127.0.0.1:" + port))
        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
        .build();
    proxy.start();
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (!"STARTED".equals(proxy.getState())) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("s3proxy did not start: " + proxy.getState());
      }
      Thread.sleep(10);
    }
    return new S3TestServer(directory, proxy, proxy.getPort(), refusals);
  }

  /** Starts a server over {@code directory} on any free port. */
  public static S3TestServer start(Path directory) throws Exception {
    return start(directory, 0);
  }

  /**
   * Runs an in-memory server for benchmarks by hand: {@code S3TestServer PORT BUCKET}; prints the location
   * and serves until killed. Credentials: {@link #ACCESS_KEY}, {@link #SECRET_KEY}.
   */
  public static void main(String[] args) throws Exception {
    S3TestServer s = start(null, Integer.parseInt(args[0]), "transient-nio2");
    s.createBucket(args[1]);
    System.out.println(s.location(args[1], "") + " (AWS_ACCESS_KEY_ID=" + ACCESS_KEY + " AWS_SECRET_ACCESS_KEY="
        + SECRET_KEY + ")");
    Thread.currentThread().join();
  }

  /** Returns its storage's fault switch. */
  public PartRefusals refusals() {
    return refusals;
  }

  /** Returns the port it listens on. */
  public int port() {
    return port;
  }

  /** Returns the directory it keeps buckets in (null for one in memory). */
  public Path directory() {
    return directory;
  }

  /** Returns its endpoint, {@code http://127.0.0.1:port}. */
  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + port);
  }

  /** Returns a store location for {@code bucket/prefix} on this server, with extra options ({@code a=b&c=d}). */
  public String location(String bucketAndPrefix, String options) {
    return "s3://" + bucketAndPrefix + "?endpoint=" + endpoint() + (options.isEmpty() ? "" : "&" + options);
  }

  /** Returns a client with the server's credentials; the caller closes it. */
  public S3Client client() {
    return S3Client.builder().endpointOverride(endpoint()).region(Region.US_EAST_1).forcePathStyle(true)
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
        .httpClient(UrlConnectionHttpClient.create()).build();
  }

  /** Creates a bucket. */
  public void createBucket(String bucket) {
    try (S3Client c = client()) {
      c.createBucket(b -> b.bucket(bucket));
    }
  }

  /** Stops the server (what it holds stays in its directory). */
  @Override
  public void close() throws Exception {
    proxy.stop();
  }
}
