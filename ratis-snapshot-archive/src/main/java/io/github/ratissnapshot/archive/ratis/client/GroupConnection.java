package io.github.ratissnapshot.archive.ratis.client;

import java.io.IOException;
import java.time.Duration;
import java.util.Collection;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.util.TimeDuration;

/**
 * How {@link SaveClient} and {@link RestoreClient} reach a running group: the peers to contact first and the
 * group id, the client {@link RaftProperties} (the RPC type, gRPC TLS settings) and {@link Parameters} (TLS
 * key material), and bounded retries, so that an unreachable group fails in bounded time instead of being
 * retried forever as Ratis's default client policy does.
 *
 * <p>The peers are only how the group is reached: they may be a subset of its members. Decisions about the
 * group's membership (the restore's commit gate) use the configuration the servers report.
 *
 * <p>Immutable; {@link #newClient()} builds a new {@link RaftClient} each call, which the caller closes.
 */
public final class GroupConnection {
  private final RaftGroup group;
  private final RaftProperties properties;
  private final Parameters parameters;
  private final Duration requestTimeout;
  private final int attempts;
  private final Duration retrySleep;

  private GroupConnection(Builder b) {
    this.group = Objects.requireNonNull(b.group, "group");
    this.properties = b.properties;
    this.parameters = b.parameters;
    this.requestTimeout = b.requestTimeout;
    this.attempts = b.attempts;
    this.retrySleep = b.retrySleep;
  }

  /** Returns a builder; a group is required. */
  public static Builder newBuilder() {
    return new Builder();
  }

  /** Returns the group. */
  public RaftGroup group() {
    return group;
  }

  /** Returns how long one request may take before the client retries it. */
  public Duration requestTimeout() {
    return requestTimeout;
  }

  /** Returns the peers as {@code id=address,...}, for messages. */
  public String describePeers() {
    return group.getPeers().stream().map(p -> p.getId() + "=" + p.getAddress())
        .collect(Collectors.joining(","));
  }

  /**
   * Builds a client for the group with this connection's timeouts and retries; the caller closes it.
   *
   * @return the client
   */
  public RaftClient newClient() {
    return newClient(requestTimeout, attempts);
  }

  /**
   * Builds a client with its own timeout and number of attempts, for probes that must not wait long on
   * a server that does not answer; the caller closes it.
   *
   * @param timeout how long one request may take
   * @param tries how many times a request is tried
   * @return the client
   */
  public RaftClient newClient(Duration timeout, int tries) {
    return newClient(group.getPeers(), timeout, tries);
  }

  /** Builds a client of the same group that knows {@code peers} (members learned from the servers). */
  RaftClient newClient(Collection<RaftPeer> peers, Duration timeout, int tries) {
    RaftProperties p = new RaftProperties(properties);
    RaftClientConfigKeys.Rpc.setRequestTimeout(p, TimeDuration.valueOf(timeout.toMillis(), TimeUnit.MILLISECONDS));
    RaftClient.Builder b = RaftClient.newBuilder()
        .setRaftGroup(RaftGroup.valueOf(group.getGroupId(), peers))
        .setProperties(p)
        .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(tries,
            TimeDuration.valueOf(retrySleep.toMillis(), TimeUnit.MILLISECONDS)));
    if (parameters != null) {
      b.setParameters(parameters);
    }
    return b.build();
  }

  /**
   * Wraps a failure to reach the group in an exception that names the group and its peers.
   *
   * @param what what was being done, such as "take a snapshot"
   * @param cause the failure
   * @return the exception to throw
   */
  public IOException unreachable(String what, Throwable cause) {
    return new IOException("failed to " + what + " on group " + group.getGroupId() + " at "
        + describePeers() + ": " + Causes.message(cause), cause);
  }

  /** Configures a {@link GroupConnection}. */
  public static final class Builder {
    private RaftGroup group;
    private RaftProperties properties = new RaftProperties();
    private Parameters parameters;
    private Duration requestTimeout = Duration.ofSeconds(60);
    private int attempts = 20;
    private Duration retrySleep = Duration.ofMillis(500);

    private Builder() {}

    /**
     * Sets the group to reach.
     *
     * @param group the group id and its peers
     * @return this builder
     */
    public Builder group(RaftGroup group) {
      this.group = Objects.requireNonNull(group, "group");
      return this;
    }

    /**
     * Sets the client properties (copied), such as the RPC type and gRPC TLS switches.
     *
     * @param properties the properties
     * @return this builder
     */
    public Builder properties(RaftProperties properties) {
      this.properties = new RaftProperties(Objects.requireNonNull(properties, "properties"));
      return this;
    }

    /**
     * Sets the RPC parameters, such as gRPC TLS configuration.
     *
     * @param parameters the parameters, or {@code null}
     * @return this builder
     */
    public Builder parameters(Parameters parameters) {
      this.parameters = parameters;
      return this;
    }

    /**
     * Sets how long one request may take before it is retried; a large state's snapshot or restore commit
     * needs time.
     *
     * @param timeout positive
     * @return this builder
     */
    public Builder requestTimeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("request timeout must be positive, got " + timeout);
      }
      this.requestTimeout = timeout;
      return this;
    }

    /**
     * Sets how many times a request is tried and how long to wait between tries; enough to ride out a
     * leader election.
     *
     * @param attempts at least 1
     * @param sleep the pause between attempts
     * @return this builder
     */
    public Builder retries(int attempts, Duration sleep) {
      if (attempts < 1) {
        throw new IllegalArgumentException("attempts must be at least 1, got " + attempts);
      }
      this.attempts = attempts;
      this.retrySleep = Objects.requireNonNull(sleep, "sleep");
      return this;
    }

    /**
     * Returns the connection.
     *
     * @return an immutable connection
     * @throws NullPointerException if no group was set
     */
    public GroupConnection build() {
      return new GroupConnection(this);
    }
  }
}
