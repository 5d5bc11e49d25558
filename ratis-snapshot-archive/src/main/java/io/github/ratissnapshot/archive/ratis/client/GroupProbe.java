package io.github.ratissnapshot.archive.ratis.client;

import io.github.ratissnapshot.archive.ratis.protocol.ArchiveProtocol;
import io.github.ratissnapshot.archive.ratis.protocol.Membership;
import io.github.ratissnapshot.archive.ratis.protocol.ReplicaStatus;
import io.github.ratissnapshot.archive.ratis.protocol.RestoreStatus;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.protocol.RaftPeer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the group's servers, all at once, what the commit gate needs: each server's role (from Ratis's group
 * information) and, from the archive side, how far it has staged a restore and its latest configuration; the
 * leader's configuration is the membership. It asks every
 * server it knows of: those the connection names and every member the servers report, so a membership
 * learned from the leader is polled whole even when the client was given only some of the servers.
 *
 * <p>Not thread-safe: one restore's gate uses it. The caller closes it.
 */
final class GroupProbe implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GroupProbe.class);
  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  /**
   * What one round saw.
   *
   * @param membership the membership the leader reported (the highest term if several claim to lead), or
   *     null if no leader answered
   * @param statuses each answering server's status of the restore, by id
   */
  record Round(Membership membership, Map<String, RestoreStatus> statuses) {}

  /** One server's answers: its role from Ratis, its restore status and configuration from the archive side. */
  private record Answer(String id, RoleInfoProto role, ReplicaStatus status) {}

  private final GroupConnection connection;
  private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "restore-probe");
    t.setDaemon(true);
    return t;
  });
  private final Map<String, RaftPeer> known = new LinkedHashMap<>();
  private RaftClient client;
  private Membership lastMembership;

  GroupProbe(GroupConnection connection) {
    this.connection = connection;
    connection.group().getPeers().forEach(p -> known.put(p.getId().toString(), p));
  }

  /**
   * Polls every known server once.
   *
   * @param restoreId the restore whose status is asked
   * @return what the servers said
   * @throws InterruptedIOException if interrupted
   */
  Round poll(UUID restoreId) throws InterruptedIOException {
    RaftClient c = client();
    List<Future<Answer>> futures = new ArrayList<>();
    for (RaftPeer p : known.values()) {
      futures.add(pool.submit(() -> ask(c, p, restoreId)));
    }
    Map<String, RestoreStatus> statuses = new LinkedHashMap<>();
    Membership membership = null;
    long leaderTerm = -1;
    List<Membership> heardOf = new ArrayList<>();
    for (Future<Answer> f : futures) {
      Answer a;
      try {
        a = f.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while polling the group");
      } catch (ExecutionException e) {
        continue;
      }
      if (a.status() == null) {
        continue;
      }
      statuses.put(a.id(), a.status().restore());
      Membership reported = a.status().configuration();
      if (reported == null) {
        continue;
      }
      heardOf.add(reported);
      RoleInfoProto role = a.role();
      if (role != null && role.getRole() == RaftPeerRole.LEADER && role.getLeaderInfo().getTerm() > leaderTerm) {
        leaderTerm = role.getLeaderInfo().getTerm();
        membership = reported;
      }
    }
    if (membership != null) {
      lastMembership = membership;
    }
    // Any server's configuration names servers to ask (a listener or follower the client was given leads to
    // the leader); only a leader's is the membership the gate counts.
    heardOf.forEach(this::learn);
    return new Round(membership, statuses);
  }

  /** Returns the membership a leader reported last, or null if none has yet. */
  Membership lastMembership() {
    return lastMembership;
  }

  private Answer ask(RaftClient c, RaftPeer p, UUID restoreId) {
    RoleInfoProto role = null;
    ReplicaStatus status = null;
    try {
      role = c.getGroupManagementApi(p.getId()).info(connection.group().getGroupId()).getRoleInfoProto();
    } catch (IOException | RuntimeException e) {
      LOG.debug("no group information from {}: {}", p.getId(), e.toString());
    }
    try {
      status = ReplicaStatus.parse(c.io().sendStaleRead(ArchiveProtocol.status(restoreId), 0, p.getId())
          .getMessage().getContent(), p.getId());
    } catch (IOException | RuntimeException e) {
      LOG.debug("no restore status from {}: {}", p.getId(), e.toString());
    }
    return new Answer(p.getId().toString(), role, status);
  }

  /** Adds the members a server reported, so that the next rounds ask them too. */
  private void learn(Membership membership) {
    boolean changed = false;
    for (RaftPeer p : membership.members()) {
      RaftPeer before = known.put(p.getId().toString(), p);
      changed |= before == null || !before.getAddress().equals(p.getAddress());
    }
    if (changed) {
      closeClient();
    }
  }

  private RaftClient client() {
    if (client == null) {
      client = connection.newClient(new ArrayList<>(known.values()), TIMEOUT, 1);
    }
    return client;
  }

  private void closeClient() {
    if (client != null) {
      try {
        client.close();
      } catch (IOException e) {
        LOG.debug("closing the probe client failed: {}", e.toString());
      }
      client = null;
    }
  }

  @Override
  public void close() {
    closeClient();
    pool.shutdownNow();
  }
}
