package io.github.ratissnapshot.archive.ratis.server;

import io.github.ratissnapshot.archive.ratis.protocol.Op;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.server.protocol.TermIndex;

/**
 * Applies one kind of the online-restore protocol's log entries, on Ratis's updater thread. A handler never
 * throws, except to stop the replica when going on would let it diverge from the group.
 *
 * @param <T> the entry it applies
 */
interface EntryHandler<T extends Op> {
  /**
   * Applies an entry.
   *
   * @param op the decoded entry
   * @param at the entry's term and index
   * @param appliedBefore the term and index applied just before it
   * @return the reply to the client that sent it
   */
  Message apply(T op, TermIndex at, TermIndex appliedBefore);
}
