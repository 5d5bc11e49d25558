package io.github.ratissnapshot.examples;

import io.github.ratissnapshot.archive.cli.RatisSnapshotCli;
import io.github.ratissnapshot.examples.bench.BenchCommand;
import io.github.ratissnapshot.examples.bench.BlobCommand;
import io.github.ratissnapshot.examples.cluster.ClusterCommand;
import io.github.ratissnapshot.examples.drill.DrillCommand;
import io.github.ratissnapshot.examples.kv.KvCommand;
import java.util.Arrays;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine;

/**
 * The runnable {@code ratis-snapshot} jar: the archive commands ({@code save}, {@code inspect},
 * {@code verify}, {@code extract}, {@code restore}, {@code seed}, {@code status}) plus the example cluster ({@code cluster}, {@code kv}),
 * the disaster-recovery {@code drill} and the benchmarks ({@code bench}).
 */
public final class Main {
  private Main() {}

  /** Runs the command line and exits with its exit code. */
  public static void main(String[] args) {
    quietLogging(Arrays.asList(args).contains("--verbose"));
    System.exit(RatisSnapshotCli.run(commandLine(), args));
  }

  /** Returns the full command line, with its error handling; each call builds a new one. */
  public static CommandLine commandLine() {
    CommandLine cl = RatisSnapshotCli.newCommandLine(new RatisSnapshotCli());
    cl.addSubcommand(new ClusterCommand());
    cl.addSubcommand(new KvCommand());
    cl.addSubcommand(new BlobCommand());
    cl.addSubcommand(new DrillCommand());
    cl.addSubcommand(new BenchCommand());
    RatisSnapshotCli.installHandlers(cl);
    return cl;
  }

  /** gRPC's own java.util.logging logger, held so that its level sticks. */
  private static final Logger GRPC_LOG =
      Logger.getLogger("org.apache.ratis.thirdparty.io.grpc");

  /** Ratis logs warnings in normal operation; an operator's terminal shows errors only unless --verbose. */
  private static void quietLogging(boolean verbose) {
    String key = "org.slf4j.simpleLogger.defaultLogLevel";
    if (System.getProperty(key) == null) {
      System.setProperty(key, verbose ? "info" : "error");
    }
    if (!verbose) {
      GRPC_LOG.setLevel(Level.WARNING);
      // A command reports its own failure in one line; Ratis's client logs each retry with a stack trace.
      for (String client : new String[] {"org.apache.ratis.client", "org.apache.ratis.grpc.client"}) {
        String k = "org.slf4j.simpleLogger.log." + client;
        if (System.getProperty(k) == null) {
          System.setProperty(k, "off");
        }
      }
    }
  }
}
