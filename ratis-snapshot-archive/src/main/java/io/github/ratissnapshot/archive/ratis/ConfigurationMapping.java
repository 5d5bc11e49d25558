package io.github.ratissnapshot.archive.ratis;

import io.github.ratissnapshot.archive.format.Configuration;
import io.github.ratissnapshot.archive.format.Server;
import io.github.ratissnapshot.archive.format.Suffrage;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.ratis.proto.RaftProtos.RaftConfigurationProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.server.RaftConfiguration;
import org.apache.ratis.util.ProtoUtils;

/**
 * Maps a Ratis group configuration to {@code meta.json}'s {@code Configuration}: voting peers are
 * {@link Suffrage#VOTER}, listeners {@link Suffrage#NONVOTER}, and peers a leader is bringing in before
 * they enter the configuration {@link Suffrage#STAGING}. The server id is the {@code RaftPeerId}, the
 * address the peer's RPC address.
 */
public final class ConfigurationMapping {
  private ConfigurationMapping() {}

  /**
   * Maps a server's view of its configuration.
   *
   * @param conf the configuration
   * @param staging peers being added that are not in it yet (known on the leader only); may be empty
   * @return the archive configuration
   */
  public static Configuration of(RaftConfiguration conf, Collection<RaftPeer> staging) {
    return build(conf.getCurrentPeers(), conf.getCurrentPeers(RaftPeerRole.LISTENER), staging);
  }

  /**
   * Maps a configuration entry as the state machine sees it applied.
   *
   * @param conf the applied configuration
   * @return the archive configuration
   */
  public static Configuration of(RaftConfigurationProto conf) {
    return build(ProtoUtils.toRaftPeers(conf.getPeersList()), ProtoUtils.toRaftPeers(conf.getListenersList()),
        List.of());
  }

  private static Configuration build(Collection<RaftPeer> voters, Collection<RaftPeer> listeners,
      Collection<RaftPeer> staging) {
    List<Server> servers = new ArrayList<>();
    Set<String> seen = new LinkedHashSet<>();
    add(servers, seen, voters, Suffrage.VOTER);
    add(servers, seen, listeners, Suffrage.NONVOTER);
    add(servers, seen, staging, Suffrage.STAGING);
    return new Configuration(servers);
  }

  private static void add(List<Server> out, Set<String> seen, Collection<RaftPeer> peers, Suffrage suffrage) {
    for (RaftPeer p : peers) {
      String id = p.getId().toString();
      if (seen.add(id)) {
        out.add(new Server(suffrage, id, p.getAddress() == null ? "" : p.getAddress()));
      }
    }
  }
}
