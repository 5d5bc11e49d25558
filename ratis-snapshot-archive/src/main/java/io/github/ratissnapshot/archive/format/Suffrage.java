package io.github.ratissnapshot.archive.format;

/**
 * A server's voting status in a {@link Configuration}, numbered as hashicorp/raft's {@code ServerSuffrage}
 * so that {@code meta.json} carries the same integers Consul writes.
 */
public enum Suffrage {
  /** Votes in elections and counts toward the commit quorum ({@code 0}). */
  VOTER(0),
  /** Receives the log but does not vote ({@code 1}); a Ratis listener. */
  NONVOTER(1),
  /** Being added and not yet a voter ({@code 2}); a Ratis peer in a configuration change. */
  STAGING(2);

  private final int code;

  Suffrage(int code) {
    this.code = code;
  }

  /** Returns the integer written in {@code meta.json}. */
  public int code() {
    return code;
  }

  /**
   * Returns the suffrage for a {@code meta.json} integer.
   *
   * @param code 0, 1 or 2
   * @return the matching suffrage
   * @throws IllegalArgumentException for any other value
   */
  public static Suffrage ofCode(long code) {
    for (Suffrage s : values()) {
      if (s.code == code) {
        return s;
      }
    }
    throw new IllegalArgumentException(
        "Suffrage " + code + " is not 0 (Voter), 1 (Nonvoter) or 2 (Staging)");
  }
}
