package io.github.ratissnapshot.examples.bench;

import io.github.ratissnapshot.archive.cli.Sizes;
import io.github.ratissnapshot.examples.ScratchDirectory;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ratis-snapshot bench}: the benchmarks whose figures the README records. */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Benchmarks: MB/s with a baseline measured in the same run.",
    subcommands = {BenchCommand.Format.class, BenchCommand.Cluster.class})
public final class BenchCommand {
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

    @Override
    public Integer call() throws Exception {
      try (ScratchDirectory scratch = ScratchDirectory.create(dir, "format-bench-")) {
        new FormatBenchmark(Sizes.parse(size), level, Runtime.getRuntime().availableProcessors(), scratch.path(),
            spec.commandLine().getOut()).run();
      }
      return 0;
    }
  }

  /** {@code bench cluster}. */
  @Command(name = "cluster", mixinStandardHelpOptions = true,
      description = "Save and online restore on a 3-node loopback cluster, next to Ratis's InstallSnapshot "
          + "of the same state to a wiped follower.")
  static final class Cluster implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--size", defaultValue = "1GiB", description = "State size (default: ${DEFAULT-VALUE}).")
    String size;

    @Option(names = "--dir", description = "Scratch directory (default: the temp directory).")
    Path dir;

    @Override
    public Integer call() throws Exception {
      try (ScratchDirectory scratch = ScratchDirectory.create(dir, "cluster-bench-")) {
        new ClusterBenchmark(Sizes.parse(size), scratch.path(), spec.commandLine().getOut()).run();
      }
      return 0;
    }
  }
}
