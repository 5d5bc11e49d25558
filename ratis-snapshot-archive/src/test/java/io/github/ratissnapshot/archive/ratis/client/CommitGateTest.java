package io.github.ratissnapshot.archive.ratis.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.ratissnapshot.archive.ratis.client.CommitGate.Decision;
import io.github.ratissnapshot.archive.ratis.client.CommitGate.Timing;
import io.github.ratissnapshot.archive.ratis.client.CommitGate.Verdict;
import io.github.ratissnapshot.archive.ratis.protocol.Membership;
import io.github.ratissnapshot.archive.ratis.protocol.RemoteProblem;
import io.github.ratissnapshot.archive.ratis.protocol.RestoreStage;
import io.github.ratissnapshot.archive.ratis.protocol.RestoreStatus;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.ratis.protocol.RaftPeer;
import org.junit.jupiter.api.Test;

/** The commit gate's rule, case by case: who counts, when silence is enough, what the deadline does. */
class CommitGateTest {
  private static final long SECOND = 1_000_000_000L;
  /** Started at 0, gives up at 300 s, stops waiting for a server silent for 15 s. */
  private static final Timing TIMING = new Timing(0, 300 * SECOND, Duration.ofSeconds(15));

  private static final RestoreStatus READY = new RestoreStatus(RestoreStage.READY, 10, 10, null, "ready");
  private static final RestoreStatus STAGING = new RestoreStatus(RestoreStage.STAGING, 5, 10, null, "staging");
  private static final RestoreStatus NONE = RestoreStatus.none("no restore open");
  private static final RestoreStatus DISK_FULL = new RestoreStatus(RestoreStage.LOCAL_FAILURE, 5, 10,
      RemoteProblem.LOCAL_FAILURE.name(), "/data/n2/archive/restore-1.state: No space left on device");

  private final Map<String, RestoreStatus> statuses = new HashMap<>();
  private final Map<String, Long> lastAnswers = new HashMap<>();

  @Test
  void withoutAMembershipFromALeaderTheGateWaitsThenAborts() {
    answer(1, "n1", READY);
    answer(1, "n2", READY);
    answer(1, "n3", READY);
    assertThat(decide(null, 1).verdict()).as("the servers answering are not the membership").isEqualTo(Verdict.WAIT);
    Decision late = decide(null, 301);
    assertThat(late.verdict()).isEqualTo(Verdict.ABORT);
    assertThat(late.failure().getMessage()).isEqualTo("no leader of the group reported its membership within "
        + "PT5M; restore aborted, the group keeps its state");
  }

  @Test
  void everyMemberReadyCommitsWithNoNote() {
    Membership m = members(voters("n1", "n2", "n3"), List.of(), List.of());
    answer(1, "n1", READY);
    answer(1, "n2", READY);
    answer(1, "n3", READY);
    Decision d = decide(m, 1);
    assertThat(d.verdict()).isEqualTo(Verdict.COMMIT);
    assertThat(d.ready()).containsExactly("n1", "n2", "n3");
    assertThat(d.note()).isEmpty();
  }

  @Test
  void aMemberThatCannotStageTheArchiveAbortsEvenWhenAMajorityIsReady() {
    Membership m = members(voters("n1", "n2", "n3"), List.of(), List.of());
    answer(1, "n1", READY);
    answer(1, "n2", DISK_FULL);
    answer(1, "n3", READY);
    Decision d = decide(m, 1);
    assertThat(d.verdict()).isEqualTo(Verdict.ABORT);
    assertThat(d.failure().problem()).isEqualTo(RemoteProblem.LOCAL_FAILURE);
    assertThat(d.failure().getMessage()).isEqualTo("server n2: /data/n2/archive/restore-1.state: No space left on device");
  }

  @Test
  void aListenerThatCannotStageTheArchiveAbortsToo() {
    Membership m = members(voters("n1", "n2", "n3"), List.of(), voters("n4"));
    answer(1, "n1", READY);
    answer(1, "n2", READY);
    answer(1, "n3", READY);
    answer(1, "n4", DISK_FULL);
    assertThat(decide(m, 1).verdict()).isEqualTo(Verdict.ABORT);
  }

  @Test
  void aFailureReportedByAServerOutsideTheMembershipIsIgnored() {
    Membership m = members(voters("n1", "n2", "n3"), List.of(), List.of());
    answer(1, "n1", READY);
    answer(1, "n2", READY);
    answer(1, "n3", READY);
    answer(1, "n9", DISK_FULL);
    assertThat(decide(m, 1).verdict()).isEqualTo(Verdict.COMMIT);
  }

  @Test
  void aMajorityReadyWaitsForAMemberThatAnswersButIsStillVerifying() {
    Membership m = members(voters("n1", "n2", "n3"), List.of(), List.of());
    answer(100, "n1", READY);
    answer(100, "n2", READY);
    answer(100, "n3", STAGING);
    assertThat(decide(m, 100).verdict()).isEqualTo(Verdict.WAIT);
    answer(200, "n3", NONE);
    assertThat(decide(m, 200).verdict()).as("a member that has not applied BEGIN yet is waited for")
        .isEqualTo(Verdict.WAIT);
  }

  @Test
  void aMajorityReadyCommitsOnceTheOthersHaveBeenSilentForTheSilenceLimit() {
    Membership m = members(voters("n1", "n2", "n3"), List.of(), List.of());
    answer(1, "n3", STAGING);
    statuses.clear();
    answer(10, "n1", READY);
    answer(10, "n2", READY);
    assertThat(decide(m, 10).verdict()).as("n3 silent for 9 s").isEqualTo(Verdict.WAIT);
    statuses.clear();
    answer(16, "n1", READY);
    answer(16, "n2", READY);
    Decision d = decide(m, 16);
    assertThat(d.verdict()).as("n3 silent for 15 s").isEqualTo(Verdict.COMMIT);
    assertThat(d.ready()).containsExactly("n1", "n2");
    assertThat(d.note()).isEqualTo("[n3] not answering for PT15S; they replay the restore from the log when they "
        + "return");
  }

  @Test
  void aMemberThatNeverAnsweredCountsAsSilentFromTheGatesStart() {
    Membership m = members(voters("n1", "n2", "n3"), List.of(), List.of());
    answer(14, "n1", READY);
    answer(14, "n2", READY);
    assertThat(decide(m, 14).verdict()).isEqualTo(Verdict.WAIT);
    statuses.clear();
    answer(15, "n1", READY);
    answer(15, "n2", READY);
    assertThat(decide(m, 15).verdict()).isEqualTo(Verdict.COMMIT);
  }

  @Test
  void listenersNeverCountTowardTheMajority() {
    // Two voters of three down; the two listeners that are ready do not make a majority.
    Membership m = members(voters("n1", "n2", "n3"), List.of(), voters("n4", "n5"));
    answer(20, "n1", READY);
    answer(20, "n4", READY);
    answer(20, "n5", READY);
    assertThat(decide(m, 20).verdict()).isEqualTo(Verdict.WAIT);
    Decision late = decide(m, 301);
    assertThat(late.verdict()).isEqualTo(Verdict.ABORT);
    assertThat(late.ready()).containsExactly("n1", "n4", "n5");
    assertThat(late.failure().getMessage()).isEqualTo("only 1 of the voters (voters n1, n2, n3; listeners n4, n5) "
        + "verified the archive within PT5M; restore aborted, the group keeps its state");
  }

  @Test
  void duringAMembershipChangeBothTheOldAndTheNewVotersNeedAMajority() {
    // Joint configuration: old n1,n2,n3; new n3,n4,n5. n1,n2 ready is a majority of the old only.
    Membership m = members(voters("n3", "n4", "n5"), voters("n1", "n2", "n3"), List.of());
    answer(20, "n1", READY);
    answer(20, "n2", READY);
    assertThat(decide(m, 20).verdict()).as("no majority of the new voters").isEqualTo(Verdict.WAIT);
    assertThat(decide(m, 301).verdict()).isEqualTo(Verdict.ABORT);
    statuses.clear();
    answer(20, "n1", READY);
    answer(20, "n2", READY);
    answer(20, "n4", READY);
    answer(20, "n5", READY);
    assertThat(decide(m, 20).verdict()).as("both majorities, n3 silent").isEqualTo(Verdict.COMMIT);
  }

  @Test
  void atTheDeadlineAMajorityCommitsAndLessAborts() {
    Membership m = members(voters("n1", "n2", "n3"), List.of(), List.of());
    answer(301, "n1", READY);
    answer(301, "n2", READY);
    answer(301, "n3", STAGING);
    Decision d = decide(m, 301);
    assertThat(d.verdict()).isEqualTo(Verdict.COMMIT);
    assertThat(d.note()).isEqualTo("[n3] still not ready after PT5M, [] not answering; they replay the restore "
        + "from the log");
    statuses.put("n2", STAGING);
    Decision less = decide(m, 301);
    assertThat(less.verdict()).isEqualTo(Verdict.ABORT);
    assertThat(less.failure().problem()).isEqualTo(RemoteProblem.IO);
  }

  @Test
  void aSingleServerGroupCommitsWhenItIsReady() {
    Membership m = members(voters("n1"), List.of(), List.of());
    answer(1, "n1", STAGING);
    assertThat(decide(m, 1).verdict()).isEqualTo(Verdict.WAIT);
    answer(2, "n1", READY);
    assertThat(decide(m, 2).verdict()).isEqualTo(Verdict.COMMIT);
  }

  private void answer(long second, String server, RestoreStatus status) {
    statuses.put(server, status);
    lastAnswers.put(server, second * SECOND);
  }

  private Decision decide(Membership m, long second) {
    return CommitGate.decide(m, statuses, lastAnswers, second * SECOND, TIMING);
  }

  private static Membership members(List<RaftPeer> voters, List<RaftPeer> old, List<RaftPeer> listeners) {
    return new Membership(voters, old, listeners);
  }

  private static List<RaftPeer> voters(String... ids) {
    return Arrays.stream(ids).map(id -> RaftPeer.newBuilder().setId(id).setAddress("127.0.0.1:1").build()).toList();
  }
}
