package io.github.ratissnapshot.archive.ratis.client;

import io.github.ratissnapshot.archive.ratis.protocol.Membership;
import io.github.ratissnapshot.archive.ratis.protocol.RestoreStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.ratis.protocol.RaftPeer;

/** The line a restore shows a person while the members stage and verify the archive. */
final class RestoreStages {
  private RestoreStages() {}

  /** Each member's stage, for a person: {@code "n1 ready, n2 verifying, n3 staging 40%, n4 not answering"}. */
  static String describe(Membership membership, Map<String, RestoreStatus> statuses) {
    if (membership == null) {
      return "asking the group who its members are";
    }
    List<String> parts = new ArrayList<>();
    for (RaftPeer p : membership.members()) {
      String id = p.getId().toString();
      RestoreStatus s = statuses.get(id);
      parts.add(id + " " + (s == null ? "not answering" : switch (s.stage()) {
        case READY -> "ready";
        case STAGING -> s.stagedBytes() >= s.archiveBytes() ? "verifying"
            : "staging " + (s.archiveBytes() == 0 ? 0 : s.stagedBytes() * 100 / s.archiveBytes()) + "%";
        case NONE -> "not started";
        case INVALID, LOCAL_FAILURE -> "failed";
      }));
    }
    return String.join(", ", parts);
  }
}
