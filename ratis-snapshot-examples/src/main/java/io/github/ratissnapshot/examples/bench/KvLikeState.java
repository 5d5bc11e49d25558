package io.github.ratissnapshot.examples.bench;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * A generated state of any size that compresses like a key-value store's: JSON-ish user records under
 * path-like keys (gzip level 6 shrinks it about 5 times). An 8 MiB pool of records is built once and
 * streamed repeatedly, so producing the bytes costs a memory copy and never limits a benchmark.
 */
public final class KvLikeState extends InputStream {
  private static final int POOL_SIZE = 8 << 20;
  private static final String[] CITIES = {"Lima", "Oslo", "Kyiv", "Pune", "Cork", "Nice", "Bern", "Riga",
      "Faro", "Graz", "Lodz", "Metz", "Nara", "Oulu", "Pisa", "Reno"};
  private static final String[] TAGS = {"admin", "beta", "trial", "gold", "silver", "churned", "mobile", "web"};

  private final byte[] pool;
  private final long size;
  private long produced;

  /**
   * Creates a stream of {@code size} bytes determined by {@code seed}.
   *
   * @param seed the seed of the record pool
   * @param size the number of bytes to produce
   */
  public KvLikeState(long seed, long size) {
    if (size < 0) {
      throw new IllegalArgumentException("size must not be negative, got " + size);
    }
    this.pool = pool(seed);
    this.size = size;
  }

  @Override
  public int read() {
    if (produced >= size) {
      return -1;
    }
    return pool[(int) (produced++ % POOL_SIZE)] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) {
    if (produced >= size) {
      return -1;
    }
    int at = (int) (produced % POOL_SIZE);
    int n = (int) Math.min(Math.min(len, POOL_SIZE - at), size - produced);
    System.arraycopy(pool, at, b, off, n);
    produced += n;
    return n;
  }

  private static byte[] pool(long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    StringBuilder sb = new StringBuilder(POOL_SIZE + 512);
    long id = 1_000_000;
    while (sb.length() < POOL_SIZE) {
      id += 1 + r.nextInt(3);
      sb.append("users/").append(id).append('\t')
          .append("{\"id\":").append(id)
          .append(",\"name\":\"user-").append(id)
          .append("\",\"city\":\"").append(CITIES[r.nextInt(CITIES.length)])
          .append("\",\"age\":").append(18 + r.nextInt(70))
          .append(",\"score\":").append(r.nextInt(100_000))
          .append(",\"tags\":[\"").append(TAGS[r.nextInt(TAGS.length)])
          .append("\"],\"active\":").append(r.nextBoolean())
          .append(",\"token\":\"").append(Long.toHexString(r.nextLong())).append("\"}\n");
    }
    byte[] bytes = sb.toString().getBytes(StandardCharsets.US_ASCII);
    byte[] exact = new byte[POOL_SIZE];
    System.arraycopy(bytes, 0, exact, 0, POOL_SIZE);
    return exact;
  }
}
