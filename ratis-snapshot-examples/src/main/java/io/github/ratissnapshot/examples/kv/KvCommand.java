package io.github.ratissnapshot.examples.kv;

import io.github.ratissnapshot.archive.cli.GroupOptions;
import io.github.ratissnapshot.archive.ratis.client.GroupConnection;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.RaftPeerId;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code ratis-snapshot kv}: a client of the example key-value cluster. */
@Command(name = "kv", mixinStandardHelpOptions = true,
    description = "Read and write the example key-value cluster.",
    subcommands = {KvCommand.Put.class, KvCommand.Get.class, KvCommand.Delete.class, KvCommand.Count.class,
        KvCommand.DigestCmd.class, KvCommand.Load.class})
public final class KvCommand {
  /** Base of the subcommands: the connection options and a client. */
  abstract static class Base implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    GroupOptions group = new GroupOptions();

    /**
     * Runs the subcommand; a failure of Ratis's (the group unreachable, the request refused) becomes one
     * message that names the group, its peers and the underlying cause, as {@code save} and {@code restore}
     * report theirs.
     */
    @Override
    public Integer call() throws Exception {
      GroupConnection connection = group.connect();
      try (RaftClient client = connection.newClient()) {
        run(new KvClient(client), spec.commandLine().getOut());
      } catch (IOException e) {
        if (e.getClass().getName().startsWith("org.apache.ratis.")) {
          throw connection.unreachable("run kv " + spec.name(), e);
        }
        throw e;
      }
      spec.commandLine().getOut().flush();
      return 0;
    }

    abstract void run(KvClient kv, PrintWriter out) throws Exception;
  }

  @Command(name = "put", mixinStandardHelpOptions = true, description = "Set a key.")
  static final class Put extends Base {
    @Parameters(index = "0", paramLabel = "KEY")
    String key;

    @Parameters(index = "1", paramLabel = "VALUE")
    String value;

    @Override
    void run(KvClient kv, PrintWriter out) throws Exception {
      kv.put(key, value);
      out.println("OK");
    }
  }

  @Command(name = "get", mixinStandardHelpOptions = true, description = "Print a key's value (exit 1 if absent).")
  static final class Get extends Base {
    @Parameters(index = "0", paramLabel = "KEY")
    String key;

    @Override
    void run(KvClient kv, PrintWriter out) throws Exception {
      String v = kv.get(key);
      if (v == null) {
        throw new IOException("no such key: " + key);
      }
      out.println(v);
    }
  }

  @Command(name = "delete", mixinStandardHelpOptions = true, description = "Remove a key.")
  static final class Delete extends Base {
    @Parameters(index = "0", paramLabel = "KEY")
    String key;

    @Override
    void run(KvClient kv, PrintWriter out) throws Exception {
      out.println(kv.delete(key) == null ? "absent" : "deleted");
    }
  }

  @Command(name = "count", mixinStandardHelpOptions = true, description = "Print the number of keys.")
  static final class Count extends Base {
    @Option(names = "--server", paramLabel = "ID", description = "Read this server's state (default: the leader's).")
    String server;

    @Override
    void run(KvClient kv, PrintWriter out) throws Exception {
      out.println(server == null ? kv.count() : kv.countOf(RaftPeerId.valueOf(server)));
    }
  }

  @Command(name = "digest", mixinStandardHelpOptions = true,
      description = "Print the number of keys and the SHA-256 over all entries, to compare states.")
  static final class DigestCmd extends Base {
    @Option(names = "--server", paramLabel = "ID", description = "Read this server's state (default: the leader's).")
    String server;

    @Override
    void run(KvClient kv, PrintWriter out) throws Exception {
      KvClient.ServerDigest d = kv.digestWithServer(Optional.ofNullable(server).map(RaftPeerId::valueOf));
      out.printf("%d keys, sha256 %s (server %s)%n", d.digest().count(), d.digest().sha256(), d.server());
    }
  }

  @Command(name = "load", mixinStandardHelpOptions = true,
      description = "Write N generated keys (KEYPREFIX0000000..), in batches, with progress.")
  static final class Load extends Base {
    @Option(names = "--keys", required = true, description = "How many keys.")
    long keys;

    @Option(names = "--value-size", defaultValue = "100", description = "Bytes per value (default: ${DEFAULT-VALUE}).")
    int valueSize;

    @Option(names = "--batch", defaultValue = "1000", description = "Keys per log entry (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--prefix", defaultValue = "key", description = "Key prefix (default: ${DEFAULT-VALUE}).")
    String prefix;

    @Override
    void run(KvClient kv, PrintWriter out) throws Exception {
      if (keys < 0 || valueSize < 0 || batch < 1) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--keys, --value-size and --batch must be positive");
      }
      long start = System.nanoTime();
      boolean tty = System.console() != null;
      PrintWriter err = spec.commandLine().getErr();
      for (long i = 0; i < keys; i += batch) {
        kv.putBatch(generated(prefix, i, Math.min(batch, keys - i), valueSize));
        if (tty) {
          err.printf("\r\033[Kloaded %d of %d keys", Math.min(i + batch, keys), keys);
          err.flush();
        }
      }
      if (tty) {
        err.print("\r\033[K");
        err.flush();
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      out.printf("Loaded %d keys in %.1f s (%.0f keys/s)%n", keys, seconds, keys / Math.max(seconds, 1e-9));
    }
  }

  /** The generated entries {@code first..first+n-1}: keys {@code prefix%010d}, values of {@code size} bytes. */
  public static Map<String, String> generated(String prefix, long first, long n, int size) {
    Map<String, String> m = new LinkedHashMap<>();
    for (long i = first; i < first + n; i++) {
      m.put(String.format("%s%010d", prefix, i), value(i, size));
    }
    return m;
  }

  private static String value(long i, int size) {
    StringBuilder sb = new StringBuilder(size);
    String seed = "value-" + i + "-";
    while (sb.length() < size) {
      sb.append(seed);
    }
    sb.setLength(size);
    return sb.toString();
  }
}
