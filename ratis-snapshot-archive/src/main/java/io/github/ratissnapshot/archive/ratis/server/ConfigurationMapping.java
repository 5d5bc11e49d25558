package io.github.ratissnapshot.archive.ratis.server;

import io.github.ratissnapshot.archive.format.Configuration;
import io.github.ratissnapshot.archive.format.Server;
import io.github.ratissnapshot.archive.format.Suffrage;
import io.github.ratissnapshot.archive.ratis.protocol.Membership;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.server.RaftConfiguration;

/**
 * Maps a Ratis configuration to {@code meta.json}'s {@code Configuration}: voters are {@link Suffrage#VOTER},
 * listeners {@link Suffrage#NONVOTER}; while a change is in progress, voters that only the new configuration
 * has are {@link Suffrage#STAGING} (being added). The server id is the {@code RaftPeerId}, the address the
 * peer's RPC address.
 */
final class ConfigurationMapping {
  private ConfigurationMapping() {}

  /** Returns a server's view of its configuration as a membership. */
  static Membership membershipOf(RaftConfiguration conf) {
    List<RaftPeer> listeners = new ArrayList<>(conf.getCurrentPeers(RaftPeerRole.LISTENER));
    listeners.addAll(conf.getPreviousPeers(RaftPeerRole.LISTENER));
    return new Membership(new ArrayList<>(conf.getCurrentPeers()), new ArrayList<>(conf.getPreviousPeers()),
        listeners);
  }

  /** Maps a membership to the archive's configuration. */
  static Configuration of(Membership m) {
    Set<String> old = new LinkedHashSet<>();
    m.oldVoters().forEach(p -> old.add(p.getId().toString()));
    List<Server> servers = new ArrayList<>();
    Set<String> seen = new LinkedHashSet<>();
    for (RaftPeer p : m.voters()) {
      boolean added = !old.isEmpty() && !old.contains(p.getId().toString());
      add(servers, seen, p, added ? Suffrage.STAGING : Suffrage.VOTER);
    }
    m.oldVoters().forEach(p -> add(servers, seen, p, Suffrage.VOTER));
    m.listeners().forEach(p -> add(servers, seen, p, Suffrage.NONVOTER));
    return new Configuration(servers);
  }

  private static void add(List<Server> out, Set<String> seen, RaftPeer p, Suffrage suffrage) {
    String id = p.getId().toString();
    if (seen.add(id)) {
      out.add(new Server(suffrage, id, p.getAddress() == null ? "" : p.getAddress()));
    }
  }
}
