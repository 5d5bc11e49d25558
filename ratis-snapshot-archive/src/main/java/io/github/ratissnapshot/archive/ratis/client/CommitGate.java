package io.github.ratissnapshot.archive.ratis.client;

import io.github.ratissnapshot.archive.ratis.protocol.Membership;
import io.github.ratissnapshot.archive.ratis.protocol.RemoteArchiveException;
import io.github.ratissnapshot.archive.ratis.protocol.RemoteProblem;
import io.github.ratissnapshot.archive.ratis.protocol.RestoreStage;
import io.github.ratissnapshot.archive.ratis.protocol.RestoreStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.ratis.protocol.RaftPeer;

/**
 * The rule that decides when a restore may commit, as a function of what the client observed: the group's
 * membership as its leader reports it, what each member answered this round, when each last answered, and
 * the time. No I/O; {@code RestoreClient} polls and acts on the decision.
 *
 * <p>The rule, in order:
 * <ol>
 *   <li>Without a membership reported by a leader, wait (or abort at the deadline): the gate never counts the
 *       servers the client happened to be given.</li>
 *   <li>A member (voter or listener) that reports the archive invalid, or that it could not stage it,
 *       aborts the restore: committing would stop that replica, and enough of them would cost the group its
 *       quorum.</li>
 *   <li>Every member ready: commit.</li>
 *   <li>A majority of the voters ready (of both the old and the new voters during a change) and every other
 *       member silent for the silence limit (down or cut off; it replays the restore from the log when it
 *       returns): commit.</li>
 *   <li>At the deadline, such a majority ready: commit (the others are still verifying and replay the
 *       restore); otherwise abort.</li>
 *   <li>Otherwise wait.</li>
 * </ol>
 * Listeners never count toward the majority.
 */
final class CommitGate {
  private CommitGate() {}

  /** What to do now. */
  enum Verdict {
    WAIT, COMMIT, ABORT
  }

  /**
   * A decision.
   *
   * @param verdict what to do
   * @param ready the members ready now
   * @param note why, for the log: who was not ready and why the gate went on anyway; empty when all were
   * @param failure the reason to abort, when aborting
   */
  record Decision(Verdict verdict, Set<String> ready, String note, RemoteArchiveException failure) {
    static Decision waiting(Set<String> ready) {
      return new Decision(Verdict.WAIT, ready, "", null);
    }

    static Decision commit(Set<String> ready, String note) {
      return new Decision(Verdict.COMMIT, ready, note, null);
    }

    static Decision abort(Set<String> ready, RemoteArchiveException why) {
      return new Decision(Verdict.ABORT, ready, why.getMessage(), why);
    }
  }

  /**
   * The gate's clock: when it started, when it gives up waiting for servers that answer but are not ready,
   * and how long a server may be silent before the gate stops waiting for it.
   *
   * @param startNanos when the gate started
   * @param deadlineNanos when it stops waiting
   * @param silence how long a silent server is waited for
   */
  record Timing(long startNanos, long deadlineNanos, Duration silence) {
    Duration prepared() {
      return Duration.ofNanos(deadlineNanos - startNanos);
    }
  }

  /**
   * Decides.
   *
   * @param membership the membership the group's leader reported, or null if no leader has answered
   * @param statuses what each server answered this round, by id (servers that are not members are ignored)
   * @param lastAnswers when each server last answered (any round), by id, in {@link System#nanoTime()} terms
   * @param now the time now, in the same terms
   * @param timing the gate's clock
   * @return the decision
   */
  static Decision decide(Membership membership, Map<String, RestoreStatus> statuses, Map<String, Long> lastAnswers,
      long now, Timing timing) {
    if (membership == null) {
      if (now > timing.deadlineNanos()) {
        return Decision.abort(Set.of(), new RemoteArchiveException(RemoteProblem.IO, "no leader of the group "
            + "reported its membership within " + timing.prepared() + "; restore aborted, the group keeps its "
            + "state"));
      }
      return Decision.waiting(Set.of());
    }
    List<RaftPeer> members = membership.members();
    Set<String> ready = new TreeSet<>();
    for (RaftPeer p : members) {
      String id = p.getId().toString();
      RestoreStatus s = statuses.get(id);
      if (s == null) {
        continue;
      }
      if (s.stage().isFailure()) {
        return Decision.abort(ready, s.toException(id));
      }
      if (s.stage() == RestoreStage.READY) {
        ready.add(id);
      }
    }
    if (ready.size() == members.size()) {
      return Decision.commit(ready, "");
    }
    boolean quorum = membership.isQuorum(ready);
    List<String> silent = new ArrayList<>();
    List<String> waiting = new ArrayList<>();
    for (RaftPeer p : members) {
      String id = p.getId().toString();
      if (ready.contains(id)) {
        continue;
      }
      long lastHeard = lastAnswers.getOrDefault(id, timing.startNanos());
      if (!statuses.containsKey(id) && now - lastHeard >= timing.silence().toNanos()) {
        silent.add(id);
      } else {
        waiting.add(id);
      }
    }
    if (quorum && waiting.isEmpty()) {
      return Decision.commit(ready, silent + " not answering for " + timing.silence()
          + "; they replay the restore from the log when they return");
    }
    if (now > timing.deadlineNanos()) {
      if (quorum) {
        return Decision.commit(ready, waiting + " still not ready after " + timing.prepared() + ", " + silent
            + " not answering; they replay the restore from the log");
      }
      long readyVoters = ready.stream().filter(membership::isVoter).count();
      return Decision.abort(ready, new RemoteArchiveException(RemoteProblem.IO, "only " + readyVoters
          + " of the voters (" + membership.describe() + ") verified the archive within " + timing.prepared()
          + "; restore aborted, the group keeps its state"));
    }
    return Decision.waiting(ready);
  }
}
