package io.github.ratissnapshot.archive.ratis.client;

import java.io.IOException;
import org.apache.ratis.client.RaftClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Ratis client of a group that starts afresh when Ratis reports its connection closed. Ratis's own retries
 * ride out elections and unreachable servers, but not a connection it closed under the client after a
 * leader was killed ("client-…->n1 is closed"): every later request on that client fails at once. A new
 * client connects again; requests that must not apply twice are made harmless by the servers (a chunk sent
 * again is ignored, a {@code COMMIT} sent again gets the first one's outcome).
 *
 * <p>Thread-safe; the caller closes it.
 */
final class ReconnectingClient implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ReconnectingClient.class);

  /** A request on a client. */
  @FunctionalInterface
  interface Call<T> {
    T on(RaftClient client) throws IOException;
  }

  private final GroupConnection connection;
  private final int maxReconnects;
  private volatile RaftClient client;
  private int reconnects;
  private boolean closed;

  ReconnectingClient(GroupConnection connection, int maxReconnects) {
    this.connection = connection;
    this.maxReconnects = maxReconnects;
    this.client = connection.newClient();
  }

  /** Returns the client in use now. */
  RaftClient current() {
    return client;
  }

  /**
   * Runs a request, again on a new client each time Ratis reports the connection closed, up to the limit.
   *
   * @param call the request
   * @return its result
   * @throws IOException the request's failure, or the last closed-connection failure past the limit
   */
  <T> T call(Call<T> call) throws IOException {
    while (true) {
      RaftClient c = client;
      try {
        return call.on(c);
      } catch (IOException | RuntimeException e) {
        if (!Causes.isClosedConnection(e) || !reconnect(c, true)) {
          throw e;
        }
      }
    }
  }

  /**
   * Replaces {@code stale} with a new client, unless another thread already did.
   *
   * @param stale the client to replace (its connection was reported closed, or its requests must end)
   * @param counted whether this counts against the limit of reconnections; a caller that bounds its retries
   *     otherwise (in time) passes false
   * @return false if the limit of reconnections is reached, or this was closed (its owner gave up)
   */
  synchronized boolean reconnect(RaftClient stale, boolean counted) {
    if (closed) {
      return false;
    }
    if (client != stale) {
      return true;
    }
    if (counted) {
      if (reconnects >= maxReconnects) {
        return false;
      }
      reconnects++;
      LOG.info("the client's connection to group {} was closed; connecting again ({} of {})",
          connection.group().getGroupId(), reconnects, maxReconnects);
    }
    try {
      stale.close();
    } catch (IOException | RuntimeException e) {
      LOG.debug("closing the old client failed: {}", e.toString());
    }
    client = connection.newClient();
    return true;
  }

  /** Closes the client in use; a request that fails on it afterwards is not retried on a new one. */
  @Override
  public synchronized void close() throws IOException {
    closed = true;
    client.close();
  }
}
