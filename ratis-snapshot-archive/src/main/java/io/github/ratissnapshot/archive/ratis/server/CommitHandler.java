package io.github.ratissnapshot.archive.ratis.server;

import io.github.ratissnapshot.archive.format.SnapshotMeta;
import io.github.ratissnapshot.archive.ratis.protocol.Membership;
import io.github.ratissnapshot.archive.ratis.protocol.Op.Commit;
import io.github.ratissnapshot.archive.ratis.protocol.RemoteProblem;
import io.github.ratissnapshot.archive.ratis.protocol.Replies;
import io.github.ratissnapshot.archive.ratis.protocol.RestoreOutcome;
import java.io.IOException;
import java.io.InputStream;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.server.protocol.TermIndex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code COMMIT}: swaps the archive's state in, on every replica at the same entry, or refuses the restore on
 * every replica alike. In order:
 * <ol>
 *   <li>A {@code COMMIT} of a restore that already ended here (a client that resent it on a new connection)
 *       changes nothing and gets the same outcome.</li>
 *   <li>If a configuration entry between {@code BEGIN} and this one set a membership other than the one the
 *       client counted, the restore stays open and the client is told to count again: the commit gate must
 *       follow the configuration in force at the commit.</li>
 *   <li>The transfer is checked (all chunks, the client's hash); an invalid archive or transfer ends the
 *       restore with the old state.</li>
 *   <li>A replica that could not stage an archive the group commits stops (the {@code IllegalStateException}
 *       makes Ratis close it) rather than keep a state the group no longer has; restarted with the resource
 *       fixed, it replays the restore from the log.</li>
 *   <li>The application replaces its state; the extracted file becomes the next native snapshot as it is,
 *       and a snapshot is requested so that the chunks leave the log.</li>
 * </ol>
 */
final class CommitHandler implements EntryHandler<Commit> {
  private static final Logger LOG = LoggerFactory.getLogger(CommitHandler.class);

  private final Replica replica;

  CommitHandler(Replica replica) {
    this.replica = replica;
  }

  @Override
  public Message apply(Commit c, TermIndex at, TermIndex appliedBefore) {
    ReplicaRestores restores = replica.restores();
    RestoreSession open = restores.open();
    if (open == null || !open.id().equals(c.id())) {
      RestoreOutcome last = restores.last();
      return last != null && last.restoreId().equals(c.id()) ? last.toCommitReply() : NotOpen.reply(replica, c.id());
    }
    Membership inForce = open.configurationBefore(at.getIndex());
    if (inForce != null && !inForce.canonical().equals(c.membership())) {
      return Replies.failed(RemoteProblem.CONFIGURATION_CHANGED, "the group's configuration changed at index "
          + open.configurationIndexBefore(at.getIndex()) + " to " + inForce.canonical() + " after the client "
          + "counted " + c.membership() + "; restore " + c.id() + " stays open");
    }
    open.checkCommit(c.chunks(), c.archiveSha256());
    switch (open.stage()) {
      case READY:
        break;
      case LOCAL_FAILURE:
        LOG.error("{}: restore {} is committed but this replica could not stage it ({}); stopping rather than "
            + "keep a state the group no longer has. Free the resource and restart: the restore replays from "
            + "the log.", replica.serverId(), c.id(), open.message());
        throw new IllegalStateException("restore " + c.id() + " could not be staged on " + replica.serverId()
            + ": " + open.message());
      default:
        LOG.warn("{}: restore {} rejected: {}", replica.serverId(), c.id(), open.message());
        return end(RestoreOutcome.ended(c.id(), at.getTerm(), at.getIndex(), open.problem(), open.message()));
    }
    try (InputStream in = open.openState()) {
      replica.app().replaceState(in);
    } catch (IOException | RuntimeException e) {
      LOG.warn("{}: restore {}: the application refused the archive's state", replica.serverId(), c.id(), e);
      return end(RestoreOutcome.ended(c.id(), at.getTerm(), at.getIndex(), RemoteProblem.STATE_REJECTED.name(),
          "the application refused the archive's state: " + e.getMessage()));
    }
    SnapshotMeta meta = open.summary().meta();
    String stateSha256 = open.summary().state().sha256Hex(); // before the state file is taken from the session
    ReplicaRestores.Pending pending = new ReplicaRestores.Pending(open.takeStateFile(), open.stateMd5Hex(),
        stateSha256, at);
    RestoreOutcome committed = RestoreOutcome.committed(c.id(), at.getTerm(), at.getIndex(), meta.id());
    restores.end(committed);
    restores.setPending(pending);
    replica.stateChangedAt(at.getIndex());
    LOG.info("{}: restore {} committed at {}: archive {} (Index {}, Term {}, {} bytes of state)",
        replica.serverId(), c.id(), at, meta.id(), meta.index(), meta.term(), meta.size());
    replica.trigger().requestSnapshot();
    return committed.toCommitReply();
  }

  private Message end(RestoreOutcome outcome) {
    replica.restores().end(outcome);
    return outcome.toCommitReply();
  }
}
