package io.github.ratissnapshot.examples.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.github.ratissnapshot.archive.cli.Sizes;
import io.github.ratissnapshot.archive.ratis.client.Causes;
import io.github.ratissnapshot.examples.ScratchDirectory;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code ratis-snapshot bench}: the benchmarks whose figures the README records. Each prints its table, or
 * with {@code --format json} one JSON object with every figure and ratio; a benchmark that cannot finish
 * fails with one line.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Benchmarks: MB/s with a baseline measured in the same run.",
    subcommands = {BenchCommand.Format.class, BenchCommand.Cluster.class, BenchCommand.Store.class})
public final class BenchCommand {
  /** Output formats. */
  enum Output { text, json }

  /** {@code bench format}. */
  @Command(name = "format", mixinStandardHelpOptions = true,
      description = "Archive write and verify of a generated state against plain gzip of the same bytes.")
  static final class Format implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--size", defaultValue = "1GiB", description = "State size (default: ${DEFAULT-VALUE}).")
    String size;

    @Option(names = "--level", defaultValue = "6", description = "gzip level (default: ${DEFAULT-VALUE}).")
    int level;

    @Option(names = "--dir", description = "Scratch directory (default: the temp directory).")
    Path dir;

    @Option(names = "--format", defaultValue = "text", description = "text or json (default: ${DEFAULT-VALUE}).")
    Output format;

    @Override
    public Integer call() throws Exception {
      long bytes = Sizes.parse(size);
      int threads = Runtime.getRuntime().availableProcessors();
      FormatBenchmark.Result r;
      try (ScratchDirectory scratch = ScratchDirectory.create(dir, "format-bench-")) {
        r = new FormatBenchmark(bytes, level, threads, scratch.path(), report(spec, format)).run();
      }
      if (format == Output.json) {
        Map<String, Object> j = header("format", bytes);
        j.put("GzipLevel", level);
        j.put("CompressingThreads", threads);
        j.put("GenerateMBps", mb(r.generate()));
        j.put("BaselineGzipWriteMBps", mb(r.gzipWrite()));
        j.put("ArchiveWrite1ThreadMBps", mb(r.archiveWrite1()));
        j.put("ArchiveWriteNThreadsMBps", mb(r.archiveWriteN()));
        j.put("BaselineGunzipMBps", mb(r.gunzip()));
        j.put("ArchiveVerifyMBps", mb(r.verify()));
        j.put("ArchiveWrite1ThreadVsGzip", r.archiveWrite1() / r.gzipWrite());
        j.put("ArchiveWriteNThreadsVsGzip", r.archiveWriteN() / r.gzipWrite());
        j.put("ArchiveVerifyVsGunzip", r.verify() / r.gunzip());
        j.put("ArchiveBytes", r.compressedBytes());
        j.put("CompressionRatio", (double) bytes / r.compressedBytes());
        j.put("PeakHeapBytes", r.peakHeapBytes());
        print(spec, j);
      }
      return 0;
    }
  }

  /** {@code bench cluster}. */
  @Command(name = "cluster", mixinStandardHelpOptions = true,
      description = {"Save and online restore on a loopback cluster (3 nodes unless --nodes), next to Ratis's "
          + "InstallSnapshot of the same state to a server added to the group.",
          "Ratis's own log goes to a file next to the scratch directory, kept if the benchmark fails."})
  static final class Cluster implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--size", defaultValue = "1GiB", description = "State size (default: ${DEFAULT-VALUE}).")
    String size;

    @Option(names = "--dir", description = "Scratch directory (default: the temp directory).")
    Path dir;

    @Option(names = "--format", defaultValue = "text", description = "text or json (default: ${DEFAULT-VALUE}).")
    Output format;

    @Option(names = "--processes", description = "Run each node in a JVM of its own (cluster node), as a real "
        + "cluster does; by default every node runs in this JVM.")
    boolean processes;

    @Option(names = "--nodes", defaultValue = "3", paramLabel = "N",
        description = "Nodes in the group (default: ${DEFAULT-VALUE}); 1 measures one replica's restore with the "
            + "machine to itself, as each replica of a real cluster has.")
    int voters;

    @Option(names = "--node-heap", defaultValue = ClusterBenchmark.NODE_HEAP, paramLabel = "SIZE",
        description = "Each node process's -Xmx with --processes (default: ${DEFAULT-VALUE}).")
    String nodeHeap;

    @Override
    public Integer call() throws Exception {
      if (voters < 1) {
        throw new ParameterException(spec.commandLine(), "--nodes must be at least 1, got " + voters);
      }
      long bytes = Sizes.parse(size);
      ClusterBenchmark.Nodes where = processes ? ClusterBenchmark.Nodes.PROCESSES : ClusterBenchmark.Nodes.IN_PROCESS;
      ClusterBenchmark.Result r = inScratch(dir, "cluster-bench-",
          scratch -> new ClusterBenchmark(bytes, scratch, report(spec, format), where, nodeHeap, voters).run());
      if (format == Output.json) {
        Map<String, Object> j = header("cluster", bytes);
        j.put("Nodes", voters);
        j.put("NodesRun", processes ? "processes" : "in-process");
        if (processes) {
          j.put("NodeHeap", nodeHeap);
        }
        j.put("MaxHeapBytes", Runtime.getRuntime().maxMemory());
        j.put("ArchiveBytes", r.archiveBytes());
        j.put("CompressionRatio", r.compressionRatio());
        j.put("GenerateSeconds", r.generateSeconds());
        span(j, "BaselineLocalArchiveWrite", r, r.localWrite());
        span(j, "Save", r, r.save());
        span(j, "SaveSnapshot", r, r.saveSnapshot());
        span(j, "SavePullAndArchive", r, r.savePullAndArchive());
        span(j, "PullAndArchiveCompressedHere", r, r.pullAndArchiveHere());
        span(j, "PullAndArchiveAgain", r, r.pullAndArchiveAgain());
        span(j, "PullAndArchiveInflatedToCheck", r, r.pullAndArchiveChecked());
        span(j, "PullAlone", r, r.pull());
        span(j, "Verify", r, r.verify());
        span(j, "AgentCycle", r, r.agent());
        span(j, "Restore", r, r.restore());
        span(j, "RestoreSend", r, r.restoreSend());
        span(j, "RestorePrepare", r, r.restorePrepare());
        span(j, "RestoreCommit", r, r.restoreCommit());
        if (r.installSnapshot() != null) {
          span(j, "BaselineInstallSnapshot", r, r.installSnapshot());
        }
        j.put("SaveVsLocalArchiveWrite", r.saveVsLocalWrite());
        j.put("AgentCycleVsSave", r.agentVsSave());
        j.put("CompressOnServerVsHere", r.serverVsClientCompression());
        j.put("RestoreVsInstallSnapshot", finite(r.restoreVsInstallSnapshot()));
        j.put("SaveVsInstallSnapshot", finite(r.saveVsInstallSnapshot()));
        print(spec, j);
      }
      return 0;
    }
  }

  /** {@code bench store}. */
  @Command(name = "store", mixinStandardHelpOptions = true,
      description = {"Publish an archive-sized file to a store (such as s3://bucket?endpoint=URL, with "
          + "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY set) next to publishing it to a directory store on the "
          + "scratch disk, then read it back. Deletes what it published, nothing else."})
  static final class Store implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--to", required = true, paramLabel = "LOCATION", description = "The store to measure.")
    String to;

    @Option(names = "--size", defaultValue = "1GiB", description = "File size (default: ${DEFAULT-VALUE}).")
    String size;

    @Option(names = "--dir", description = "Scratch directory (default: the temp directory).")
    Path dir;

    @Option(names = "--format", defaultValue = "text", description = "text or json (default: ${DEFAULT-VALUE}).")
    Output format;

    @Override
    public Integer call() throws Exception {
      long bytes = Sizes.parse(size);
      StoreBenchmark.Result r = inScratch(dir, "store-bench-",
          scratch -> new StoreBenchmark(bytes, to, scratch, report(spec, format)).run());
      if (format == Output.json) {
        Map<String, Object> j = header("store", bytes);
        j.put("BaselineLocalPublishMBps", r.mbPerSecond(r.localPublish()));
        j.put("StorePublishMBps", r.mbPerSecond(r.storePublish()));
        j.put("StorePublishVsLocal", r.storeVsLocal());
        j.put("ReadBackMBps", r.mbPerSecond(r.readBack()));
        j.put("PeakHeapBytes", r.peakHeapBytes());
        j.put("MaxHeapBytes", Runtime.getRuntime().maxMemory());
        print(spec, j);
      }
      return 0;
    }
  }

  /** Returns {@code x}, or null (JSON's null) if it is not a number: a baseline that did not finish. */
  private static Double finite(double x) {
    return Double.isFinite(x) ? x : null;
  }

  /** Puts a stage's {@code <name>Seconds}, {@code <name>MBps} and {@code <name>Cores} (CPU over wall time). */
  private static void span(Map<String, Object> j, String name, ClusterBenchmark.Result r, Span s) {
    j.put(name + "Seconds", s.seconds());
    j.put(name + "MBps", r.mbPerSecond(s));
    j.put(name + "Cores", s.cores());
  }

  /** Returns the log file of a benchmark run in {@code scratch}: {@code <scratch>.ratis.log} beside it. */
  static Path ratisLogOf(Path scratch) {
    return scratch.resolveSibling(scratch.getFileName() + ".ratis.log");
  }

  /** A benchmark run in a scratch directory. */
  private interface InScratch<T> {
    T run(Path scratch) throws Exception;
  }

  /**
   * Runs a benchmark in a new scratch directory (under {@code dir}, or the temp directory), removed
   * afterwards, with the log ({@link #logRatisTo}) in {@code <scratch>.ratis.log} beside it: deleted when the
   * run succeeds, named in the one-line error when it fails.
   */
  private static <T> T inScratch(Path dir, String prefix, InScratch<T> benchmark) throws IOException {
    try (ScratchDirectory scratch = ScratchDirectory.create(dir, prefix)) {
      Path log = ratisLogOf(scratch.path());
      logRatisTo(log);
      T result;
      try {
        result = benchmark.run(scratch.path());
      } catch (Exception e) {
        throw new IOException(Causes.message(e) + " (Ratis's log: " + log + ")", e);
      }
      Files.deleteIfExists(log);
      return result;
    }
  }

  /**
   * Sends every SLF4J logger's output (Ratis's, gRPC's through its bridge, this project's) to {@code file},
   * warnings and up, so that the terminal shows only the table. Takes effect because no logger has been
   * created yet when a bench command starts.
   */
  static void logRatisTo(Path file) {
    System.setProperty("org.slf4j.simpleLogger.logFile", file.toString());
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
  }

  /** The writer the text report goes to: the command's output, or nowhere when JSON is asked for. */
  private static PrintWriter report(CommandSpec spec, Output format) {
    return format == Output.text ? spec.commandLine().getOut() : new PrintWriter(OutputStream.nullOutputStream());
  }

  private static Map<String, Object> header(String benchmark, long bytes) {
    Map<String, Object> j = new LinkedHashMap<>();
    j.put("Benchmark", benchmark);
    j.put("StateBytes", bytes);
    j.put("Processors", Runtime.getRuntime().availableProcessors());
    j.put("Java", System.getProperty("java.version"));
    return j;
  }

  private static double mb(double bytesPerSecond) {
    return bytesPerSecond / 1e6;
  }

  private static void print(CommandSpec spec, Map<String, Object> j) throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(j));
    out.flush();
  }
}
