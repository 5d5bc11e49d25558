package io.github.ratissnapshot.examples.drill;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ratis-snapshot drill}: the disaster-recovery drill; exit 0 only if every check passed. */
@Command(name = "drill", mixinStandardHelpOptions = true,
    description = {"Run a disaster-recovery drill on real 3-node clusters in this process: load data, save "
        + "and verify an archive, destroy the cluster, seed a new one from the archive, check every key on "
        + "every node, change the data, restore the archive online, check again; then run backup agent cycles "
        + "into an archive store with writes between them, list and prune it, destroy the cluster, seed a new "
        + "one from the newest archive in the store and check every key.",
        "Exit 0 when every check passes, 1 otherwise."})
public final class DrillCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--keys", defaultValue = "50000", description = "Keys to load (default: ${DEFAULT-VALUE}).")
  long keys;

  @Option(names = "--value-size", defaultValue = "100", description = "Bytes per value (default: ${DEFAULT-VALUE}).")
  int valueSize;

  @Option(names = "--dir", paramLabel = "DIR",
      description = "Work directory, kept afterwards (default: a temporary directory, removed).")
  Path dir;

  @Option(names = "--keep-archive", paramLabel = "FILE", description = "Copy the drill's archive to FILE.")
  Path keepArchive;

  @Option(names = "--store", paramLabel = "LOCATION",
      description = "The archive store of the continuous path (default: a directory in the work directory).")
  String store;

  @Override
  public Integer call() throws Exception {
    if (keys < 1 || valueSize < 1) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--keys and --value-size must be at least 1");
    }
    boolean passed = new Drill(new Drill.Options(keys, valueSize, dir, keepArchive, store), spec.commandLine().getOut()).run();
    return passed ? 0 : 1;
  }
}
