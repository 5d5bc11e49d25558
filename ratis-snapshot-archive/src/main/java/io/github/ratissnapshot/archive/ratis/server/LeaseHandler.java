package io.github.ratissnapshot.archive.ratis.server;

import io.github.ratissnapshot.archive.ratis.protocol.LeaseReply;
import io.github.ratissnapshot.archive.ratis.protocol.Op.Lease;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.server.protocol.TermIndex;

/**
 * {@code LEASE}: the archiving lease, decided from the entry alone so that every replica decides alike. The
 * lease is the agents' coordination, not the application's state: it is not in snapshots, and a restarted
 * replica knows only the leases of the entries it replays (a holder renews it at its next renewal).
 */
final class LeaseHandler implements EntryHandler<Lease> {
  private final Replica replica;

  LeaseHandler(Replica replica) {
    this.replica = replica;
  }

  @Override
  public Message apply(Lease l, TermIndex at, TermIndex appliedBefore) {
    LeaseReply current = replica.lease();
    boolean free = current == null || current.holder().equals(l.holder())
        || l.requestedAtMillis() >= current.expiresAtMillis();
    if (l.ttlMillis() == 0) {
      if (current != null && current.holder().equals(l.holder())) {
        replica.lease(null);
        return new LeaseReply(true, null, 0).toReply();
      }
      return (current == null ? new LeaseReply(true, null, 0) : new LeaseReply(false, current.holder(),
          current.expiresAtMillis())).toReply();
    }
    if (!free) {
      return new LeaseReply(false, current.holder(), current.expiresAtMillis()).toReply();
    }
    LeaseReply granted = new LeaseReply(true, l.holder(), l.requestedAtMillis() + l.ttlMillis());
    replica.lease(granted);
    return granted.toReply();
  }
}
