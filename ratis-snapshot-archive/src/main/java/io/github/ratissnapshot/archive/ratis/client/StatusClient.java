package io.github.ratissnapshot.archive.ratis.client;

import io.github.ratissnapshot.archive.ratis.protocol.ArchiveProtocol;
import io.github.ratissnapshot.archive.ratis.protocol.Membership;
import io.github.ratissnapshot.archive.ratis.protocol.ServerInfo;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.proto.RaftProtos.LogInfoProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.GroupInfoReply;
import org.apache.ratis.protocol.RaftPeer;

/**
 * What each server of a group says about itself, for operators: its role, its log's applied and committed
 * indices, its latest snapshot, the restore open on it and how the last restore ended there. It asks the
 * servers the connection names and every member their configuration lists, so the report covers the whole
 * group. Used after a restore whose outcome is unknown: a server whose last restore is that one, committed,
 * has the archive's state.
 *
 * <p>Stateless; each {@link #report()} opens and closes its own Ratis client.
 */
public final class StatusClient {
  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  private final GroupConnection connection;

  /**
   * One server's report.
   *
   * @param id the server
   * @param address its address
   * @param role its role, or null if it did not answer
   * @param member whether the group's configuration lists it (false: only the connection named it)
   * @param appliedIndex the last index its state machine applied, or -1
   * @param committedIndex the last index it knows committed, or -1
   * @param info what its archive side holds, or null if it did not answer
   * @param error why it did not answer, or null
   */
  public record ServerReport(String id, String address, RaftPeerRole role, boolean member, long appliedIndex,
      long committedIndex, ServerInfo info, String error) {}

  /**
   * A report on the group.
   *
   * @param membership the membership the servers report (the leader's if one answered), or null
   * @param servers one report per server, members first
   */
  public record GroupReport(Membership membership, List<ServerReport> servers) {}

  /**
   * Creates a client.
   *
   * @param connection how to reach the group
   */
  public StatusClient(GroupConnection connection) {
    this.connection = connection;
  }

  /**
   * Asks every server.
   *
   * @return the report; servers that do not answer are in it with their error
   * @throws IOException if no server answers at all
   */
  public GroupReport report() throws IOException {
    Map<String, RaftPeer> known = new LinkedHashMap<>();
    connection.group().getPeers().forEach(p -> known.put(p.getId().toString(), p));
    Map<String, ServerReport> answered = new LinkedHashMap<>();
    Membership membership = null;
    IOException last = null;
    try (RaftClient c = connection.newClient(known.values(), TIMEOUT, 1)) {
      for (RaftPeer p : known.values()) {
        ServerReport r;
        try {
          r = ask(c, p, false);
        } catch (IOException | RuntimeException e) {
          last = connection.unreachable("ask server " + p.getId() + " for its status", e);
          continue;
        }
        answered.put(r.id(), r);
        Membership reported = r.info() == null ? null : r.info().configuration();
        if (reported != null && (membership == null || r.role() == RaftPeerRole.LEADER)) {
          membership = reported;
        }
      }
    }
    if (answered.isEmpty()) {
      throw last != null ? last : new IOException("no peers given");
    }
    Map<String, RaftPeer> all = new LinkedHashMap<>();
    if (membership != null) {
      membership.members().forEach(p -> all.put(p.getId().toString(), p));
    }
    known.forEach(all::putIfAbsent);
    List<ServerReport> reports = new ArrayList<>();
    try (RaftClient c = connection.newClient(all.values(), TIMEOUT, 1)) {
      for (RaftPeer p : all.values()) {
        boolean member = membership != null && membership.members().stream().anyMatch(m -> m.getId().equals(p.getId()));
        ServerReport r = answered.get(p.getId().toString());
        reports.add(r == null ? report(c, p, member) : withMember(r, member));
      }
    }
    return new GroupReport(membership, reports);
  }

  private ServerReport report(RaftClient c, RaftPeer p, boolean member) {
    try {
      return ask(c, p, member);
    } catch (IOException | RuntimeException e) {
      return new ServerReport(p.getId().toString(), p.getAddress(), null, member, -1, -1, null, Causes.message(e));
    }
  }

  /** Asks one server; throws if Ratis does not answer, reports an archive side that does not as its error. */
  private ServerReport ask(RaftClient c, RaftPeer p, boolean member) throws IOException {
    String id = p.getId().toString();
    GroupInfoReply info = c.getGroupManagementApi(p.getId()).info(connection.group().getGroupId());
    LogInfoProto log = info.getLogInfoProto();
    ServerInfo archive = null;
    String error = null;
    try {
      archive = ServerInfo.parse(c.io().sendStaleRead(ArchiveProtocol.info(), 0, p.getId())
          .getMessage().getContent(), id);
    } catch (IOException | RuntimeException e) {
      error = Causes.message(e);
    }
    return new ServerReport(id, p.getAddress(), info.getRoleInfoProto().getRole(), member,
        log.hasApplied() ? log.getApplied().getIndex() : -1, log.hasCommitted() ? log.getCommitted().getIndex() : -1,
        archive, error);
  }

  private static ServerReport withMember(ServerReport r, boolean member) {
    return new ServerReport(r.id(), r.address(), r.role(), member, r.appliedIndex(), r.committedIndex(), r.info(),
        r.error());
  }
}
