package io.github.ratissnapshot.archive.cli;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.ratis.protocol.RaftPeer;
import picocli.CommandLine;

/** Parses {@code --peers ID=HOST:PORT,...} into Ratis peers; a picocli converter for commands that take it. */
public final class PeerList implements CommandLine.ITypeConverter<List<RaftPeer>> {
  /** Creates the converter. */
  public PeerList() {}

  @Override
  public List<RaftPeer> convert(String value) {
    return parse(value);
  }

  /**
   * Parses a peer list.
   *
   * @param value {@code ID=HOST:PORT[,...]}
   * @return the peers, in order
   *
   * @throws CommandLine.TypeConversionException naming the malformed item
   */
  public static List<RaftPeer> parse(String value) {
    List<RaftPeer> peers = new ArrayList<>();
    Set<String> ids = new LinkedHashSet<>();
    for (String item : value.split(",")) {
      String s = item.trim();
      int eq = s.indexOf('=');
      int colon = s.lastIndexOf(':');
      if (eq <= 0 || colon <= eq + 1 || colon == s.length() - 1) {
        throw new CommandLine.TypeConversionException(
            "'" + s + "' is not ID=HOST:PORT (e.g. n1=127.0.0.1:9001)");
      }
      String id = s.substring(0, eq);
      String address = s.substring(eq + 1);
      try {
        int port = Integer.parseInt(s.substring(colon + 1));
        if (port < 1 || port > 65535) {
          throw new NumberFormatException();
        }
      } catch (NumberFormatException e) {
        throw new CommandLine.TypeConversionException("'" + s + "' has no valid port");
      }
      if (!ids.add(id)) {
        throw new CommandLine.TypeConversionException("peer id '" + id + "' appears twice");
      }
      peers.add(RaftPeer.newBuilder().setId(id).setAddress(address).build());
    }
    return peers;
  }
}
