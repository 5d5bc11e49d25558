package io.github.ratissnapshot.examples.bench;

import io.github.ratissnapshot.archive.cli.Sizes;
import io.github.ratissnapshot.archive.format.ArchiveReader;
import io.github.ratissnapshot.archive.format.ArchiveSummary;
import io.github.ratissnapshot.archive.format.ArchiveWriter;
import io.github.ratissnapshot.archive.format.Configuration;
import io.github.ratissnapshot.archive.format.SnapshotMeta;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Measures writing and verifying an archive of a generated state against plain gzip compression and
 * decompression of the same bytes in the same JVM, so that the ratio shows what the archive format
 * costs beyond the compressor. Files go to a scratch directory, which is removed afterwards.
 */
public final class FormatBenchmark {
  private static final int IO_BUFFER = 1 << 20;
  private static final long WARMUP_BYTES = 64L << 20;

  private final long size;
  private final int level;
  private final int threads;
  private final Path scratch;
  private final PrintWriter out;
  private final TimedPhases phases = new TimedPhases();

  /**
   * Configures a run.
   *
   * @param size bytes of state
   * @param level gzip level for the baseline and the archive
   * @param threads compressing threads for the parallel archive write
   * @param scratch an existing directory for the files
   * @param out where the report goes
   */
  public FormatBenchmark(long size, int level, int threads, Path scratch, PrintWriter out) {
    this.size = size;
    this.level = level;
    this.threads = threads;
    this.scratch = scratch;
    this.out = out;
  }

  /** Runs every phase and prints the report; returns the verify-to-baseline and write-to-baseline ratios. */
  public Result run() throws IOException {
    Path baselineFile = scratch.resolve("baseline.gz");
    Path archive = scratch.resolve("bench.snap");
    out.printf("Format benchmark: %s of key-value-like state, gzip level %d, %d processors, Java %s%n",
        Sizes.format(size), level, Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
    out.println("warming up...");
    out.flush();
    warmUp(baselineFile, archive);

    out.printf("%-40s %9s %9s %12s%n", "phase", "seconds", "MB/s", "vs baseline");
    double generate = phases.time(() -> drain(new KvLikeState(1, size)));
    row("generate state (memory only)", generate, Double.NaN);
    double gzipWrite = phases.time(() -> gzipFile(new KvLikeState(1, size), baselineFile, size));
    row("baseline: GZIPOutputStream to file", gzipWrite, gzipWrite);
    Files.delete(baselineFile);
    double write1 = phases.time(() -> writeArchive(archive, size, 1));
    row("archive write, 1 compressing thread", write1, gzipWrite);
    Files.delete(archive);
    double writeN = phases.time(() -> writeArchive(archive, size, threads));
    row("archive write, " + threads + " compressing threads", writeN, gzipWrite);
    long compressed = Files.size(archive);
    double gunzip = phases.time(() -> gunzipFile(archive));
    row("baseline: GZIPInputStream from file", gunzip, gunzip);
    double verify = phases.time(() -> verifyArchive(archive));
    row("archive verify", verify, gunzip);
    Files.delete(archive);
    out.printf("compressed %s (%.2fx); peak heap used (sampled every 10 ms) %s of %s max%n", Sizes.format(compressed),
        (double) size / compressed, Sizes.format(phases.peakHeap()), Sizes.format(Runtime.getRuntime().maxMemory()));
    out.flush();
    return new Result(size / generate, size / gzipWrite, size / write1, size / writeN, size / gunzip,
        size / verify, compressed, phases.peakHeap());
  }

  /** The measured rates, in bytes of state per second, and the peak heap. */
  public record Result(double generate, double gzipWrite, double archiveWrite1, double archiveWriteN,
      double gunzip, double verify, long compressedBytes, long peakHeapBytes) {}

  private void warmUp(Path baselineFile, Path archive) throws IOException {
    for (int i = 0; i < 2; i++) {
      gzipFile(new KvLikeState(2, WARMUP_BYTES), baselineFile, WARMUP_BYTES);
      Files.delete(baselineFile);
      writeArchive(archive, WARMUP_BYTES, threads);
      gunzipFile(archive);
      verifyArchive(archive);
      Files.delete(archive);
    }
  }

  private void row(String name, double seconds, double baselineSeconds) {
    String ratio = Double.isNaN(baselineSeconds) ? "" : String.format("%.2f", baselineSeconds / seconds);
    out.printf("%-40s %9.2f %9.1f %12s%n", name, seconds, size / 1e6 / seconds, ratio);
    out.flush();
  }

  private static void drain(InputStream in) throws IOException {
    byte[] buf = new byte[IO_BUFFER];
    while (in.read(buf) >= 0) {
      // discard
    }
  }

  private void gzipFile(InputStream state, Path file, long bytes) throws IOException {
    try (OutputStream fileOut = Files.newOutputStream(file);
        GZIPOutputStream gz = new LeveledGzip(fileOut, level)) {
      byte[] buf = new byte[IO_BUFFER];
      int n;
      while ((n = state.read(buf)) >= 0) {
        gz.write(buf, 0, n);
      }
    }
  }

  private void writeArchive(Path file, long bytes, int compressThreads) throws IOException {
    ArchiveWriter writer = ArchiveWriter.newBuilder().level(level).threads(compressThreads).build();
    SnapshotMeta meta = SnapshotMeta.of(1, 1, Configuration.EMPTY, 0, bytes, Instant.now());
    try (OutputStream fileOut = new BufferedOutputStream(Files.newOutputStream(file), IO_BUFFER)) {
      writer.write(fileOut, meta, new KvLikeState(1, bytes));
    }
  }

  private static void gunzipFile(Path file) throws IOException {
    try (InputStream in = new GZIPInputStream(Files.newInputStream(file), 64 * 1024)) {
      drain(in);
    }
  }

  private static ArchiveSummary verifyArchive(Path file) throws IOException {
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 64 * 1024)) {
      return ArchiveReader.defaults().verify(in);
    }
  }

  /** {@link GZIPOutputStream} at a chosen level. */
  private static final class LeveledGzip extends GZIPOutputStream {
    LeveledGzip(OutputStream out, int level) throws IOException {
      super(out, 64 * 1024);
      def.setLevel(level);
    }
  }
}
