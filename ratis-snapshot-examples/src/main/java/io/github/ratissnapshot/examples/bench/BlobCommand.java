package io.github.ratissnapshot.examples.bench;

import io.github.ratissnapshot.archive.cli.GroupOptions;
import io.github.ratissnapshot.archive.cli.Sizes;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftPeerId;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ratis-snapshot blob}: a client of a cluster started with {@code --state-machine blob}, whose state
 * is one file of any size on disk (for large-state drills with small heaps).
 */
@Command(name = "blob", mixinStandardHelpOptions = true,
    description = "Drive a cluster started with --state-machine blob (a state of any size, kept on disk).",
    subcommands = {BlobCommand.Generate.class, BlobCommand.Fingerprint.class})
public final class BlobCommand {
  @Command(name = "generate", mixinStandardHelpOptions = true,
      description = "Replace the state with SIZE bytes of generated key-value-like data; prints its fingerprint.")
  static final class Generate implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    GroupOptions group = new GroupOptions();

    @Option(names = "--size", required = true, description = "State size, e.g. 512MiB.")
    String size;

    @Option(names = "--seed", defaultValue = "1", description = "Generator seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
      try (RaftClient client = group.connect().newClient()) {
        RaftClientReply r = client.io().send(BlobStateMachine.generate(seed, Sizes.parse(size)));
        print(spec.commandLine().getOut(), r);
      }
      return 0;
    }
  }

  @Command(name = "fingerprint", mixinStandardHelpOptions = true,
      description = "Print '<size> <sha256>' of the state (of one server with --server).")
  static final class Fingerprint implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    GroupOptions group = new GroupOptions();

    @Option(names = "--server", paramLabel = "ID", description = "Read this server's state (default: the leader's).")
    String server;

    @Override
    public Integer call() throws Exception {
      try (RaftClient client = group.connect().newClient()) {
        RaftClientReply r = server == null ? client.io().sendReadOnly(BlobStateMachine.fingerprint())
            : client.io().sendStaleRead(BlobStateMachine.fingerprint(), 0, RaftPeerId.valueOf(server));
        print(spec.commandLine().getOut(), r);
      }
      return 0;
    }
  }

  private static void print(PrintWriter out, RaftClientReply r) throws IOException {
    if (!r.isSuccess()) {
      throw r.getException() != null ? r.getException() : new IOException("request failed: " + r);
    }
    out.println(r.getMessage().getContent().toStringUtf8());
    out.flush();
  }
}
