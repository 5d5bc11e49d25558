package io.github.ratissnapshot.archive.format;

import java.util.Objects;

/**
 * One member of a {@link Configuration}: hashicorp/raft's {@code Server}.
 *
 * @param suffrage whether it votes
 * @param id the server's id (for Ratis, the {@code RaftPeerId})
 * @param address the address it is reached at, such as {@code host:port}; may be empty
 */
public record Server(Suffrage suffrage, String id, String address) {
  /** Validates that no component is {@code null}. */
  public Server {
    Objects.requireNonNull(suffrage, "suffrage");
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(address, "address");
  }
}
