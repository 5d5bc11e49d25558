package io.github.ratissnapshot.archive.ratis.protocol;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.ratis.proto.RaftProtos.RaftConfigurationProto;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.util.ProtoUtils;

/**
 * A group's membership as a Ratis configuration states it: the voters, during a change also the voters of
 * the old configuration (both majorities count then), and the listeners, which never vote. The restore's
 * commit gate counts these, and every replica checks at {@code COMMIT} that the configuration in force is
 * still the one the client counted.
 *
 * @param voters the voters of the (new) configuration
 * @param oldVoters the voters of the old configuration while a change is in progress, else empty
 * @param listeners the listeners (old and new)
 */
public record Membership(List<RaftPeer> voters, List<RaftPeer> oldVoters, List<RaftPeer> listeners) {
  /** The largest configuration a reply may carry: thousands of peers. */
  private static final int MAX_WIRE_BYTES = 1 << 20;

  /** Copies the lists. */
  public Membership {
    voters = List.copyOf(voters);
    oldVoters = List.copyOf(oldVoters);
    listeners = List.copyOf(listeners);
  }

  /**
   * Returns the membership a configuration states.
   *
   * @param conf a configuration, as a configuration entry or a server's group information carries it
   * @return the membership
   */
  public static Membership of(RaftConfigurationProto conf) {
    List<RaftPeer> listeners = new ArrayList<>(ProtoUtils.toRaftPeers(conf.getListenersList()));
    listeners.addAll(ProtoUtils.toRaftPeers(conf.getOldListenersList()));
    return new Membership(ProtoUtils.toRaftPeers(conf.getPeersList()),
        ProtoUtils.toRaftPeers(conf.getOldPeersList()), dedupe(listeners));
  }

  /**
   * Writes this membership as a length-prefixed {@code RaftConfigurationProto}, peers with every address.
   *
   * @param out where to
   * @throws IOException if the stream fails
   */
  void write(DataOutputStream out) throws IOException {
    byte[] conf = RaftConfigurationProto.newBuilder()
        .addAllPeers(ProtoUtils.toRaftPeerProtos(voters))
        .addAllOldPeers(ProtoUtils.toRaftPeerProtos(oldVoters))
        .addAllListeners(ProtoUtils.toRaftPeerProtos(listeners))
        .build().toByteArray();
    out.writeInt(conf.length);
    out.write(conf);
  }

  /**
   * Reads a membership written by {@link #write}.
   *
   * @param in where from
   * @return the membership
   * @throws IOException if the bytes are not one
   */
  static Membership read(DataInputStream in) throws IOException {
    int n = Wire.boundedCount(in, MAX_WIRE_BYTES, "configuration of");
    return of(RaftConfigurationProto.parseFrom(in.readNBytes(n)));
  }

  /** Returns every member once (voters first, then listeners), with its address. */
  public List<RaftPeer> members() {
    Map<String, RaftPeer> all = new LinkedHashMap<>();
    for (List<RaftPeer> l : List.of(voters, oldVoters, listeners)) {
      for (RaftPeer p : l) {
        all.putIfAbsent(p.getId().toString(), p);
      }
    }
    return new ArrayList<>(all.values());
  }

  /** Returns whether {@code id} votes in the new or the old configuration. */
  public boolean isVoter(String id) {
    return ids(voters).contains(id) || ids(oldVoters).contains(id);
  }

  /**
   * Returns whether the servers {@code ready} hold a majority of the voters, and during a change also a
   * majority of the old voters: what Ratis needs to commit an entry.
   */
  public boolean isQuorum(Set<String> ready) {
    return isMajority(voters, ready) && (oldVoters.isEmpty() || isMajority(oldVoters, ready));
  }

  /**
   * Returns the membership as one line of sorted ids, {@code voters=n1,n2,n3;old=;listeners=n4}: equal for
   * equal memberships whatever the order or addresses.
   */
  public String canonical() {
    return "voters=" + String.join(",", ids(voters)) + ";old=" + String.join(",", ids(oldVoters))
        + ";listeners=" + String.join(",", ids(listeners));
  }

  /** Returns a description for people: {@code voters n1, n2, n3; listeners n4}. */
  public String describe() {
    StringBuilder b = new StringBuilder("voters ").append(String.join(", ", ids(voters)));
    if (!oldVoters.isEmpty()) {
      b.append(" (changing from ").append(String.join(", ", ids(oldVoters))).append(')');
    }
    if (!listeners.isEmpty()) {
      b.append("; listeners ").append(String.join(", ", ids(listeners)));
    }
    return b.toString();
  }

  private static boolean isMajority(List<RaftPeer> voters, Set<String> ready) {
    long n = voters.stream().filter(p -> ready.contains(p.getId().toString())).count();
    return n > voters.size() / 2;
  }

  private static TreeSet<String> ids(Collection<RaftPeer> peers) {
    return peers.stream().map(p -> p.getId().toString()).collect(Collectors.toCollection(TreeSet::new));
  }

  private static List<RaftPeer> dedupe(List<RaftPeer> peers) {
    Map<String, RaftPeer> m = new LinkedHashMap<>();
    peers.forEach(p -> m.putIfAbsent(p.getId().toString(), p));
    return new ArrayList<>(m.values());
  }
}
