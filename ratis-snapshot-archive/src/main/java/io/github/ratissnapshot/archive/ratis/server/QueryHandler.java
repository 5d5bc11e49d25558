package io.github.ratissnapshot.archive.ratis.server;

import io.github.ratissnapshot.archive.ratis.protocol.Op;
import java.io.IOException;
import org.apache.ratis.protocol.Message;

/**
 * Answers one kind of the archive protocol's read-only queries, on an RPC thread, concurrently with
 * others and with the updater thread.
 *
 * @param <T> the query it answers
 */
interface QueryHandler<T extends Op> {
  /**
   * Answers a query.
   *
   * @param op the decoded query
   * @return the reply
   * @throws IOException if it fails; a {@code RemoteArchiveException} keeps its problem, anything else is
   *     reported as an I/O problem
   */
  Message answer(T op) throws IOException;
}
