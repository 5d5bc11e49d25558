package io.github.ratissnapshot.examples.bench;

import io.github.ratissnapshot.archive.cli.Sizes;
import io.github.ratissnapshot.archive.format.Digests;
import io.github.ratissnapshot.archive.store.ArchiveName;
import io.github.ratissnapshot.archive.store.ArchiveStore;
import io.github.ratissnapshot.archive.store.ArchiveStores;
import io.github.ratissnapshot.archive.store.LocalDirectoryStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * Publishing an archive-sized file to a store (an S3-compatible server, typically) against publishing it to
 * a local directory store on the scratch disk (copy, digest, fsync, rename) in the same run, then reading it
 * back. The file is random bytes, as incompressible as a gzip archive. The benchmark publishes under a group
 * id of its own and deletes exactly what it published, nothing else.
 */
final class StoreBenchmark {
  private static final String STATE_SHA256 = "0".repeat(64);

  private final long size;
  private final String location;
  private final Path scratch;
  private final PrintWriter out;
  private final TimedPhases phases = new TimedPhases();

  /**
   * Configures a run.
   *
   * @param size bytes of the file
   * @param location the store to measure
   * @param scratch an existing directory for the file and the baseline store
   * @param out where the report goes
   */
  StoreBenchmark(long size, String location, Path scratch, PrintWriter out) {
    this.size = size;
    this.location = location;
    this.scratch = scratch;
    this.out = out;
  }

  /**
   * The measured times in seconds and the peak heap.
   *
   * @param localPublish the baseline: publishing into a directory store on the scratch disk
   * @param storePublish publishing into the measured store
   * @param readBack reading it back whole from the measured store
   * @param peakHeapBytes the most heap used in any phase
   */
  record Result(long bytes, double localPublish, double storePublish, double readBack, long peakHeapBytes) {
    double storeVsLocal() {
      return localPublish / storePublish;
    }

    double mbPerSecond(double seconds) {
      return bytes / 1e6 / seconds;
    }
  }

  /** Runs the phases and prints the report. */
  Result run() throws IOException {
    Path file = scratch.resolve("bench.snap");
    generate(file);
    String archiveSha256 = Digests.sha256Hex(file); // a caller's verification digests the file before publishing
    ArchiveName name = new ArchiveName(UUID.randomUUID(), Instant.now(), 1, 1);
    out.printf("Store benchmark: %s file (random bytes, as an archive), %d processors, Java %s, heap max %s%n",
        Sizes.format(size), Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
        Sizes.format(Runtime.getRuntime().maxMemory()));
    out.printf("%-44s %9s %9s %12s%n", "phase", "seconds", "MB/s", "vs baseline");
    out.flush();
    LocalDirectoryStore local = new LocalDirectoryStore(scratch.resolve("local-store"), "scratch");
    double localPublish = phases.time(() -> local.publish(file, name, STATE_SHA256, archiveSha256));
    row("baseline: publish to a directory store", localPublish, localPublish);
    local.delete(name);
    try (ArchiveStore store = ArchiveStores.open(location)) {
      double storePublish;
      double readBack;
      try {
        storePublish = phases.time(() -> store.publish(file, name, STATE_SHA256, archiveSha256));
        row("publish to " + store.addressOf(name.group(), ""), storePublish, localPublish);
        readBack = phases.time(() -> drain(store, name));
        row("read back whole", readBack, Double.NaN);
      } finally {
        deleteIfPublished(store, name);
      }
      out.printf("peak heap used (sampled every 10 ms) %s of %s max%n", Sizes.format(phases.peakHeap()),
          Sizes.format(Runtime.getRuntime().maxMemory()));
      out.flush();
      return new Result(size, localPublish, storePublish, readBack, phases.peakHeap());
    } finally {
      Files.deleteIfExists(file);
    }
  }

  private void generate(Path file) throws IOException {
    SplittableRandom r = new SplittableRandom(7);
    byte[] buf = new byte[1 << 20];
    try (OutputStream o = Files.newOutputStream(file)) {
      for (long left = size; left > 0; left -= buf.length) {
        for (int i = 0; i < buf.length; i += 8) {
          long v = r.nextLong();
          for (int k = 0; k < 8; k++) {
            buf[i + k] = (byte) (v >>> (8 * k));
          }
        }
        o.write(buf, 0, (int) Math.min(buf.length, left));
      }
    }
  }

  private static void drain(ArchiveStore store, ArchiveName name) throws IOException {
    byte[] buf = new byte[1 << 16];
    try (InputStream in = store.open(name)) {
      while (in.read(buf) >= 0) {
        // read it all
      }
    }
  }

  private static void deleteIfPublished(ArchiveStore store, ArchiveName name) throws IOException {
    boolean published = store.list(name.group()).archives().stream().anyMatch(a -> a.name().equals(name));
    if (published) {
      store.delete(name);
    }
  }

  private void row(String name, double seconds, double baselineSeconds) {
    String ratio = Double.isNaN(baselineSeconds) ? "" : String.format("%.2f", baselineSeconds / seconds);
    out.printf("%-44s %9.2f %9.1f %12s%n", name, seconds, size / 1e6 / seconds, ratio);
    out.flush();
  }
}
