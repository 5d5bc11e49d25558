package io.github.ratissnapshot.archive.agent;

import io.github.ratissnapshot.archive.ratis.client.GroupConnection;
import io.github.ratissnapshot.archive.ratis.protocol.ArchiveProtocol;
import io.github.ratissnapshot.archive.ratis.protocol.LeaseReply;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.RaftClientReply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The group's archiving lease, held through {@code LEASE} entries in the group's own log (as Consul's
 * snapshot agent holds a lock in Consul's KV store): granted when free, held, or expired by the asker's
 * clock. Not thread-safe except {@link Keeper}'s background renewal, which it owns.
 */
final class ArchiveLease {
  private static final Logger LOG = LoggerFactory.getLogger(ArchiveLease.class);

  private final GroupConnection connection;
  private final String holder;
  private final Duration ttl;
  private final Clock clock;

  ArchiveLease(GroupConnection connection, String holder, Duration ttl, Clock clock) {
    this.connection = connection;
    this.holder = holder;
    this.ttl = ttl;
    this.clock = clock;
  }

  Duration ttl() {
    return ttl;
  }

  /** Takes or renews the lease; returns who holds it now. */
  LeaseReply acquire() throws IOException {
    return send(ttl.toMillis());
  }

  private LeaseReply send(long ttlMillis) throws IOException {
    try (RaftClient c = connection.newClient()) {
      RaftClientReply reply = c.io().send(ArchiveProtocol.lease(holder, clock.millis(), ttlMillis));
      return LeaseReply.parse(reply.getMessage().getContent(), reply.getServerId());
    }
  }

  /** Renews the lease between cycles; a failure shows at the next cycle. */
  void renewQuietly() {
    try {
      acquire();
    } catch (IOException | RuntimeException e) {
      LOG.debug("renewing the archiving lease failed: {}", e.toString());
    }
  }

  /** Gives the lease up, so that a standby agent takes over at once. */
  void releaseQuietly() {
    try {
      send(0);
    } catch (IOException | RuntimeException e) {
      LOG.debug("releasing the archiving lease failed: {}", e.toString());
    }
  }

  /** Returns a keeper for one cycle. */
  Keeper keep() {
    return new Keeper();
  }

  /** Holds the lease through one cycle, renewing it in the background every third of its time to live. */
  final class Keeper implements AutoCloseable {
    private final AtomicReference<String> lost = new AtomicReference<>();
    private ScheduledExecutorService renewer;

    /**
     * Takes the lease.
     *
     * @return empty when this agent holds it; else who holds it until when
     * @throws IOException if the group does not answer
     */
    Optional<String> standby() throws IOException {
      LeaseReply r = acquire();
      if (!r.granted()) {
        return Optional.of("the archiving lease is held by " + r.holder() + " until " + r.expiresAt());
      }
      renewer = Executors.newSingleThreadScheduledExecutor(t -> {
        Thread thread = new Thread(t, "archive-lease");
        thread.setDaemon(true);
        return thread;
      });
      long period = Math.max(1, ttl.toMillis() / 3);
      renewer.scheduleAtFixedRate(this::renew, period, period, TimeUnit.MILLISECONDS);
      return Optional.empty();
    }

    private void renew() {
      try {
        LeaseReply r = acquire();
        if (!r.granted()) {
          lost.compareAndSet(null, r.holder() + " (until " + r.expiresAt() + ")");
        }
      } catch (IOException | RuntimeException e) {
        LOG.debug("renewing the archiving lease failed: {}", e.toString());
      }
    }

    /** Fails if a renewal found the lease taken by another agent: this cycle must not publish or delete. */
    void checkHeld() throws IOException {
      String to = lost.get();
      if (to != null) {
        throw new IOException("lost the archiving lease to " + to + " during the cycle");
      }
    }

    @Override
    public void close() {
      if (renewer != null) {
        renewer.shutdownNow();
      }
    }
  }
}
