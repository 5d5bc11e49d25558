package io.github.ratissnapshot.examples.kv;

import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftPeerId;

/**
 * A client of the key-value store over a {@link RaftClient}. Writes go through the leader; {@link #get},
 * {@link #count} and {@link #digest} are linearizable reads; {@link #digestOf} reads one server's state.
 * The caller owns and closes the Ratis client.
 */
public final class KvClient {
  private final RaftClient client;

  /** Wraps a Ratis client of a group running {@link KvStateMachine}. */
  public KvClient(RaftClient client) {
    this.client = client;
  }

  /** Sets a key; returns its previous value or null. */
  public String put(String key, String value) throws IOException {
    return KvOps.parseOptional(check(client.io().send(KvOps.put(key, value))).getMessage());
  }

  /** Removes a key; returns its value or null. */
  public String delete(String key) throws IOException {
    return KvOps.parseOptional(check(client.io().send(KvOps.delete(key))).getMessage());
  }

  /** Sets many keys in one log entry. */
  public void putBatch(Map<String, String> entries) throws IOException {
    check(client.io().send(KvOps.putBatch(entries)));
  }

  /** Returns a key's value, or null. */
  public String get(String key) throws IOException {
    return KvOps.parseOptional(check(client.io().sendReadOnly(KvOps.get(key))).getMessage());
  }

  /** Returns the number of keys. */
  public long count() throws IOException {
    return KvOps.parseCount(check(client.io().sendReadOnly(KvOps.count())).getMessage());
  }

  /** Returns the number of keys as one server has applied the log. */
  public long countOf(RaftPeerId server) throws IOException {
    return KvOps.parseCount(check(client.io().sendStaleRead(KvOps.count(), 0, server)).getMessage());
  }

  /**
   * A digest and the server whose state it is.
   *
   * @param digest the digest
   * @param server the server that answered
   */
  public record ServerDigest(KvStore.Digest digest, RaftPeerId server) {}

  /** Returns the digest of the whole store and which server answered: the leader, or {@code server}. */
  public ServerDigest digestWithServer(Optional<RaftPeerId> server) throws IOException {
    RaftClientReply r = check(server.isPresent() ? client.io().sendStaleRead(KvOps.digest(), 0, server.get())
        : client.io().sendReadOnly(KvOps.digest()));
    return new ServerDigest(KvOps.parseDigest(r.getMessage()), r.getServerId());
  }

  /** Returns the digest of the whole store, from the leader. */
  public KvStore.Digest digest() throws IOException {
    return KvOps.parseDigest(check(client.io().sendReadOnly(KvOps.digest())).getMessage());
  }

  /** Returns the digest of the store as one server has applied it. */
  public KvStore.Digest digestOf(RaftPeerId server) throws IOException {
    return KvOps.parseDigest(check(client.io().sendStaleRead(KvOps.digest(), 0, server)).getMessage());
  }

  private static RaftClientReply check(RaftClientReply reply) throws IOException {
    if (!reply.isSuccess()) {
      throw reply.getException() != null ? reply.getException()
          : new IOException("request failed: " + reply);
    }
    return reply;
  }
}
