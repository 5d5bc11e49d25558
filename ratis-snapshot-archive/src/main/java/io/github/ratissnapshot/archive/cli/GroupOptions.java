package io.github.ratissnapshot.archive.cli;

import io.github.ratissnapshot.archive.ratis.client.Causes;
import io.github.ratissnapshot.archive.ratis.client.GroupConnection;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.GroupListReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * How a command reaches a running group: {@code --peers}, {@code --group}, {@code --timeout} and the TLS
 * options; a picocli mixin that other tools built on this library may reuse.
 */
public final class GroupOptions {
  @Option(names = "--peers", required = true, paramLabel = "ID=HOST:PORT[,...]", converter = PeerList.class,
      description = "The group's servers, e.g. n1=127.0.0.1:9001,n2=127.0.0.1:9002.")
  List<RaftPeer> peers;

  @Option(names = "--group", paramLabel = "UUID",
      description = "The group id; by default the single group the servers run.")
  UUID group;

  @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "10m", converter = DurationConverter.class,
      description = "How long one request to the group may take (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  @Mixin
  TlsOptions tls = new TlsOptions();

  /** Creates the options; picocli fills them. */
  public GroupOptions() {}

  /**
   * Returns the connection, asking the servers for their group when {@code --group} is absent.
   *
   * @return the connection
   * @throws IOException if no server answers, or they run several groups and none was chosen
   */
  public GroupConnection connect() throws IOException {
    RaftGroupId id = group != null ? RaftGroupId.valueOf(group) : discover();
    return GroupConnection.newBuilder()
        .group(RaftGroup.valueOf(id, peers))
        .properties(tls.properties())
        .parameters(tls.parameters())
        .requestTimeout(timeout)
        .retries(20, Duration.ofMillis(500))
        .build();
  }

  /** The servers run no group or several: the user must name one. */
  static final class AmbiguousGroupException extends IOException {
    private static final long serialVersionUID = 1L;

    AmbiguousGroupException(String message) {
      super(message);
    }
  }

  private RaftGroupId discover() throws IOException {
    GroupConnection probe = GroupConnection.newBuilder()
        .group(RaftGroup.valueOf(RaftGroupId.randomId(), peers))
        .properties(tls.properties())
        .parameters(tls.parameters())
        .retries(2, Duration.ofMillis(200))
        .build();
    IOException last = null;
    try (RaftClient client = probe.newClient(Duration.ofSeconds(5), 2)) {
      for (RaftPeer p : peers) {
        try {
          GroupListReply reply = client.getGroupManagementApi(p.getId()).list();
          List<RaftGroupId> groups = reply.getGroupIds();
          if (groups.size() == 1) {
            return groups.get(0);
          }
          throw new AmbiguousGroupException("server " + p.getId() + " runs " + groups.size() + " groups "
              + groups + "; choose one with --group");
        } catch (AmbiguousGroupException e) {
          throw e;
        } catch (IOException | RuntimeException e) {
          last = listFailed(probe, e);
        }
      }
    }
    throw last != null ? last : new IOException("no peers given");
  }

  /** As {@link GroupConnection#unreachable}, without naming the probe's made-up group id. */
  private static IOException listFailed(GroupConnection probe, Throwable cause) {
    return new IOException("failed to list the groups of the servers at " + probe.describePeers() + ": "
        + Causes.message(cause), cause);
  }

  /** Returns the peers as {@code --peers} takes them, for messages that suggest a command. */
  String peersArgument() {
    return peers.stream().map(p -> p.getId() + "=" + p.getAddress()).collect(Collectors.joining(","));
  }
}
