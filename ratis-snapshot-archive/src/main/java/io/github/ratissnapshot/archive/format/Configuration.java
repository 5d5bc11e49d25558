package io.github.ratissnapshot.archive.format;

import java.util.List;
import java.util.Objects;

/**
 * The membership of the group at the snapshot: hashicorp/raft's {@code Configuration}. An empty list is
 * written as {@code "Servers":null}, as Go writes the zero value.
 *
 * @param servers the members, in the order they are written; copied, never {@code null}
 */
public record Configuration(List<Server> servers) {
  /** A configuration with no servers. */
  public static final Configuration EMPTY = new Configuration(List.of());

  /** Copies the list and rejects {@code null} elements. */
  public Configuration {
    servers = List.copyOf(Objects.requireNonNull(servers, "servers"));
  }
}
