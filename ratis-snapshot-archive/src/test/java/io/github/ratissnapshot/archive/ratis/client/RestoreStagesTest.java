package io.github.ratissnapshot.archive.ratis.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.ratissnapshot.archive.ratis.protocol.Membership;
import io.github.ratissnapshot.archive.ratis.protocol.RestoreStage;
import io.github.ratissnapshot.archive.ratis.protocol.RestoreStatus;
import java.util.List;
import java.util.Map;
import org.apache.ratis.protocol.RaftPeer;
import org.junit.jupiter.api.Test;

/** What a restore shows a person while the replicas stage and verify the archive: each member's stage. */
class RestoreStagesTest {
  private static RaftPeer peer(String id) {
    return RaftPeer.newBuilder().setId(id).setAddress("127.0.0.1:1").build();
  }

  private static RestoreStatus status(RestoreStage stage, long staged) {
    return new RestoreStatus(stage, staged, 200, "", "");
  }

  @Test
  void everyMemberIsNamedWithItsStageAndSilentOnesAsNotAnswering() {
    Membership m = new Membership(List.of(peer("n1"), peer("n2"), peer("n3")), List.of(), List.of(peer("n4")));

    String line = RestoreStages.describe(m, Map.of(
        "n1", status(RestoreStage.READY, 200),
        "n2", status(RestoreStage.STAGING, 200),
        "n4", status(RestoreStage.STAGING, 80)));

    assertThat(line).isEqualTo("n1 ready, n2 verifying, n3 not answering, n4 staging 40%");
  }

  @Test
  void failuresAndMembersThatHaveNotBegunAreSaidSo() {
    Membership m = new Membership(List.of(peer("n1"), peer("n2")), List.of(), List.of());

    String line = RestoreStages.describe(m, Map.of(
        "n1", status(RestoreStage.LOCAL_FAILURE, 10),
        "n2", status(RestoreStage.NONE, 0)));

    assertThat(line).isEqualTo("n1 failed, n2 not started");
  }

  @Test
  void beforeTheLeaderHasReportedTheMembersTheLineSaysSo() {
    assertThat(RestoreStages.describe(null, Map.of())).isEqualTo("asking the group who its members are");
  }
}
