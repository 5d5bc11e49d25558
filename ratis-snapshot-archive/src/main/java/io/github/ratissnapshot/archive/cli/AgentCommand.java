package io.github.ratissnapshot.archive.cli;

import io.github.ratissnapshot.archive.agent.AgentMonitor;
import io.github.ratissnapshot.archive.agent.BackupAgent;
import io.github.ratissnapshot.archive.agent.CycleResult;
import io.github.ratissnapshot.archive.agent.StatusServer;
import io.github.ratissnapshot.archive.store.RetentionPolicy;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ratis-snapshot agent}: archives a group on a schedule into stores, with retention. */
@Command(name = "agent", mixinStandardHelpOptions = true,
    description = {"Archive a running group on a schedule: each cycle saves the leader's state, verifies it, "
        + "publishes it to every --to store, checks each upload and applies --retain. A cycle skips when the "
        + "group has applied nothing since the newest archive in the stores. One line per cycle.",
        "With --once, one cycle: exit 0 when it published, skipped or stood by, 1 when it failed (for cron and CI)."})
final class AgentCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  GroupOptions group = new GroupOptions();

  @Option(names = "--to", required = true, paramLabel = "LOCATION",
      description = "A store to publish to (a directory, file:///dir, or s3://bucket/prefix?endpoint=URL for "
          + "an S3-compatible server); repeat for several.")
  List<String> to;

  @Option(names = "--interval", defaultValue = "1h", paramLabel = "DURATION", converter = DurationConverter.class,
      description = "Time between cycle starts (default: ${DEFAULT-VALUE}).")
  Duration interval;

  @Option(names = "--retain", paramLabel = "RULES",
      description = "Retention, as prune takes it (e.g. last=24,daily=7,weekly=4); default: keep everything.")
  List<String> retain;

  @Option(names = "--max-deletes", defaultValue = "10", paramLabel = "N",
      description = "Most archives retention deletes per store and cycle (default: ${DEFAULT-VALUE}).")
  int maxDeletes;

  @Option(names = "--max-failures", defaultValue = "3", paramLabel = "N",
      description = "Failed cycles in a row after which the agent reports itself unhealthy (default: "
          + "${DEFAULT-VALUE}).")
  int maxFailures;

  @Option(names = "--verify-upload", description = "After each publish, read the archive back from each store "
      + "and verify it whole (one download per store and cycle); the listing's size and digests are always "
      + "checked.")
  boolean verifyUpload;

  @Option(names = "--scratch", paramLabel = "DIR",
      description = "Where an archive waits between save and publish (default: the temporary directory); the "
          + "agent works in ratis-snapshot-agent-<group> under it and removes what a killed agent left there.")
  Path scratch;

  @Option(names = "--config", paramLabel = "FILE", description = "Read options from FILE, as if given here: "
      + "whitespace-separated, # comments (the same as @FILE).")
  Path config;

  @Option(names = "--lease-ttl", defaultValue = "30s", paramLabel = "DURATION", converter = DurationConverter.class,
      description = {"Several agents may run for one group; only the holder of the group's archiving lease (an "
          + "entry in the group's own log) archives, the others stand by and take over within this time of its "
          + "death (default: ${DEFAULT-VALUE}). Agents' clocks must agree to well within it."})
  Duration leaseTtl;

  @Option(names = "--holder", paramLabel = "NAME",
      description = "This agent's name in the lease (default: host name and process id).")
  String holder;

  @Option(names = "--no-lease", description = "Archive without the lease (one agent per group, by other means).")
  boolean noLease;

  @Option(names = "--once", description = "Run one cycle and exit.")
  boolean once;

  @Option(names = "--http", paramLabel = "HOST:PORT", description = "Serve GET /status (JSON; 503 when unhealthy) "
      + "and GET /metrics (Prometheus text format) here, e.g. 127.0.0.1:9464.")
  String http;

  @Override
  public Integer call() throws Exception {
    RetentionPolicy policy = null;
    if (retain != null) {
      try {
        policy = RetentionPolicy.parse(retain);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--retain: " + e.getMessage());
      }
    }
    if (maxDeletes < 0 || maxFailures < 1) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--max-deletes must be at least 0 and --max-failures at least 1");
    }
    InetSocketAddress address = http == null ? null : address(http);
    BackupAgent.Builder b = BackupAgent.newBuilder(group.connect()).maxDeletes(maxDeletes);
    for (String location : to) {
      b.destination(StoreOptions.openForPublishing(spec, location));
    }
    if (policy != null) {
      b.retention(policy);
    }
    if (scratch != null) {
      b.scratchDirectory(scratch);
    }
    b.verifyUploads(verifyUpload);
    if (!noLease) {
      b.lease(holder != null ? holder : defaultHolder(), leaseTtl);
    }
    PrintWriter out = spec.commandLine().getOut();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    AgentMonitor monitor = new AgentMonitor(registry, maxFailures, once ? null : interval);
    try (BackupAgent agent = b.build(); StatusServer server = address == null ? null
        : StatusServer.start(address, monitor, registry)) {
      if (once) {
        CycleResult r = agent.runOnce();
        monitor.accept(r);
        out.println(line(r, null));
        out.flush();
        return r.outcome() == CycleResult.Outcome.FAILED ? ExitCode.FAILURE : ExitCode.OK;
      }
      if (server != null) {
        out.println("status and metrics at http://" + server.address().getHostString() + ":"
            + server.address().getPort() + "/status and /metrics");
        out.flush();
      }
      Thread main = Thread.currentThread();
      Thread stop = new Thread(main::interrupt, "agent-stop");
      Runtime.getRuntime().addShutdownHook(stop);
      CycleResult.Outcome[] previous = {null};
      agent.run(interval, r -> {
        monitor.accept(r);
        boolean repeatedStandby = r.outcome() == CycleResult.Outcome.STANDBY && previous[0] == r.outcome();
        previous[0] = r.outcome();
        if (repeatedStandby) {
          return; // one line when it starts standing by, not one per poll
        }
        out.println(line(r, r.start().plus(interval)) + (monitor.healthy() ? ""
            : "; UNHEALTHY: " + monitor.consecutiveFailures() + " failed cycles in a row"));
        out.flush();
      });
      return ExitCode.OK;
    }
  }

  private static String defaultHolder() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      host = "localhost";
    }
    return host + ":" + ProcessHandle.current().pid();
  }

  private InetSocketAddress address(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    try {
      int port = Integer.parseInt(hostPort.substring(colon + 1));
      if (colon > 0 && port >= 0 && port <= 65535) {
        return new InetSocketAddress(hostPort.substring(0, colon), port);
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw new CommandLine.ParameterException(spec.commandLine(), "--http '" + hostPort + "' is not HOST:PORT");
  }

  private static String cleanedUp(CycleResult r) {
    return r.cleanedUp().isEmpty() ? "" : "; cleaned up " + String.join(", ", r.cleanedUp());
  }

  /** One line per cycle, for a person at a terminal or a log. */
  static String line(CycleResult r, Instant next) {
    String when = r.start().truncatedTo(ChronoUnit.SECONDS).toString();
    String took = String.format("%.1f s", r.duration().toMillis() / 1000.0);
    String body = switch (r.outcome()) {
      case PUBLISHED -> String.format("published term %d index %d (%s) to %s%s%s in %s%s", r.term(), r.index(),
          Sizes.format(r.archiveBytes()), String.join(", ", r.published()), cleanedUp(r),
          r.deleted().isEmpty() ? "" : "; retention deleted " + r.deleted().size(), took,
          // "; <why the save started over>" after "published", if it did
          r.message().startsWith(BackupAgent.PUBLISHED) ? r.message().substring(BackupAgent.PUBLISHED.length()) : "");
      case SKIPPED -> "skipped: " + r.message() + cleanedUp(r);
      case STANDBY -> "standby: " + r.message();
      case FAILED -> "FAILED at " + r.stage() + ": " + r.message()
          + (r.published().isEmpty() ? "" : " (published to " + String.join(", ", r.published()) + ")");
    };
    return when + " " + body + (next == null ? "" : "; next at " + next.truncatedTo(ChronoUnit.SECONDS));
  }
}
