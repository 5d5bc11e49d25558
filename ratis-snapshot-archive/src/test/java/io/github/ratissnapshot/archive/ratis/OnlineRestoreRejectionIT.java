package io.github.ratissnapshot.archive.ratis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.github.ratissnapshot.archive.format.ArchiveException;
import io.github.ratissnapshot.archive.format.ArchiveReader;
import io.github.ratissnapshot.archive.ratis.client.RestoreClient;
import io.github.ratissnapshot.archive.ratis.client.TransferProgress;
import io.github.ratissnapshot.archive.ratis.protocol.ArchiveProtocol;
import io.github.ratissnapshot.archive.ratis.protocol.Op;
import io.github.ratissnapshot.archive.ratis.protocol.RemoteArchiveException;
import io.github.ratissnapshot.archive.ratis.protocol.RemoteProblem;
import io.github.ratissnapshot.archive.ratis.protocol.Replies;
import io.github.ratissnapshot.archive.ratis.protocol.RestoreStage;
import io.github.ratissnapshot.archive.ratis.protocol.ReplicaStatus;
import io.github.ratissnapshot.archive.ratis.protocol.RestoreStatus;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftPeerId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Archives and transfers that must not be restored (3 voters and a listener over gRPC): every replica
 * reaches the same verdict, the client reports exactly what is wrong, and every replica keeps its old
 * state, with no staging file left and the group taking writes afterwards.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class OnlineRestoreRejectionIT {
  private static final Duration PREPARE = Duration.ofSeconds(30);

  @TempDir
  Path tmp;

  @Test
  void aCorruptArchiveSentUnverifiedIsRejectedByTheServersAndChangesNothing() throws Exception {
    byte[] corrupt = Files.readAllBytes(RestoreFixture.archive(RestoreFixture.newState(), tmp));
    corrupt[corrupt.length / 2] ^= (byte) 0xff;
    assertServersReject(corrupt, corrupt.length);
  }

  /** Archives whose bytes, as the servers receive them, are not the archive the sender meant. */
  enum WrongSize {
    /** The archive's first 60% only, declared at that size. */
    TRUNCATED,
    /** The whole archive in the stream, but a size 1,000 bytes short declared: the servers get a prefix. */
    DECLARED_SMALLER,
    /** The archive followed by 4 KiB of random bytes, all declared. */
    TRAILING_BYTES
  }

  @ParameterizedTest
  @EnumSource(WrongSize.class)
  void anArchiveOfTheWrongSizeIsRejectedByTheServersAndChangesNothing(WrongSize wrong) throws Exception {
    byte[] valid = Files.readAllBytes(RestoreFixture.archive(RestoreFixture.newState(), tmp));
    switch (wrong) {
      case TRUNCATED -> assertServersReject(Arrays.copyOf(valid, valid.length * 6 / 10), valid.length * 6 / 10);
      case DECLARED_SMALLER -> assertServersReject(valid, valid.length - 1000);
      case TRAILING_BYTES -> {
        byte[] longer = Arrays.copyOf(valid, valid.length + 4096);
        byte[] garbage = new byte[4096];
        new Random(7).nextBytes(garbage);
        System.arraycopy(garbage, 0, longer, valid.length, garbage.length);
        assertServersReject(longer, longer.length);
      }
      default -> throw new AssertionError(wrong);
    }
  }

  @Test
  void aDeclaredSizeLargerThanTheArchiveFailsInTheClientWhichAbortsAndChangesNothing() throws Exception {
    byte[] valid = Files.readAllBytes(RestoreFixture.archive(RestoreFixture.newState(), tmp));
    long declared = valid.length + 1000L;
    Map<String, String> oldState = RestoreFixture.oldState();
    try (LoopbackCluster c = RestoreFixture.startWith(tmp.resolve("cluster"), oldState)) {
      try (RestoreClient restore = RestoreFixture.restoreClient(c, PREPARE)) {
        assertThatThrownBy(() -> restore.restoreUnverified(new ByteArrayInputStream(valid), declared,
            TransferProgress.NONE))
            .isExactlyInstanceOf(IOException.class)
            .hasMessage(String.format("the archive ended after %,d of its %,d bytes", valid.length, declared));
      }
      assertThat(RestoreFixture.restoreEntries(c.leader()).values())
          .as("restore entries in the leader's log").hasAtLeastOneElementOfType(Op.Abort.class);
      assertUntouched(c, oldState);
    }
  }

  @Test
  void aCorruptArchiveFileFailsLocallyBeforeTheGroupIsTouched() throws Exception {
    Path file = RestoreFixture.archive(RestoreFixture.newState(), tmp);
    byte[] corrupt = Files.readAllBytes(file);
    corrupt[corrupt.length / 2] ^= (byte) 0xff;
    Files.write(file, corrupt);
    ArchiveException local = localVerdict(corrupt);
    Map<String, String> oldState = RestoreFixture.oldState();
    try (LoopbackCluster c = RestoreFixture.startWith(tmp.resolve("cluster"), oldState)) {
      try (RestoreClient restore = RestoreFixture.restoreClient(c, PREPARE)) {
        Throwable thrown = catchThrowable(() -> restore.restore(file, TransferProgress.NONE));
        assertThat(thrown).isExactlyInstanceOf(local.getClass()).hasMessage(local.getMessage());
        assertThat(((ArchiveException) thrown).problem()).isEqualTo(local.problem());
      }
      for (RaftPeerId id : c.runningIds()) {
        assertThat(RestoreFixture.restoreEntries(c.division(id))).as("restore entries in the log of %s", id)
            .isEmpty();
      }
      assertUntouched(c, oldState);
    }
  }

  @Test
  void anotherApplicationsStateIsRejectedAtCommitByEveryReplicaAndChangesNothing() throws Exception {
    byte[] foreign = new byte[256 * 1024];
    new Random(11).nextBytes(foreign);
    Path archive = RestoreFixture.archive(foreign, tmp);
    Map<String, String> oldState = RestoreFixture.oldState();
    try (LoopbackCluster c = RestoreFixture.startWith(tmp.resolve("cluster"), oldState)) {
      try (RestoreClient restore = RestoreFixture.restoreClient(c, PREPARE)) {
        Throwable thrown = catchThrowable(() -> restore.restore(archive, TransferProgress.NONE));
        assertThat(thrown).isExactlyInstanceOf(RemoteArchiveException.class)
            .hasMessage("the application refused the archive's state: not a KvTestStateMachine state");
        assertThat(((RemoteArchiveException) thrown).problem()).isEqualTo(RemoteProblem.STATE_REJECTED);
      }
      assertThat(RestoreFixture.restoreEntries(c.leader()).values()).as("restore entries in the leader's log")
          .hasAtLeastOneElementOfType(Op.Commit.class);
      assertUntouched(c, oldState);
    }
  }

  @Test
  void serversIgnoreChunksAheadOfTheirTurnAndRejectChunksBeyondTheDeclaredSizeAndACommitThatDoesNotMatch() throws Exception {
    byte[] valid = Files.readAllBytes(RestoreFixture.archive(RestoreFixture.keys("k", 50, 100, 5), tmp));
    int half = valid.length / 2;
    Map<String, String> oldState = RestoreFixture.oldState();
    try (LoopbackCluster c = RestoreFixture.startWith(tmp.resolve("cluster"), oldState);
        RaftClient client = RestoreFixture.clientOfLeader(c)) {
      String members = RestoreFixture.membership(c).canonical();
      // Chunk 2 where chunk 1 was expected (chunk 1 never reached the log): every replica ignores it and says
      // how much it staged, and a COMMIT before the missing bytes arrive is refused.
      UUID id = UUID.randomUUID();
      ok(client, ArchiveProtocol.begin(id, valid.length, new byte[0]));
      ok(client, ArchiveProtocol.chunk(id, 0, valid, half));
      byte[] rest = Arrays.copyOfRange(valid, half, valid.length);
      RestoreStatus ahead = status(client, ArchiveProtocol.chunk(id, 2, rest, rest.length));
      assertThat(ahead.stage()).isEqualTo(RestoreStage.STAGING);
      assertThat(ahead.stagedBytes()).as("bytes staged after the chunk ahead of its turn").isEqualTo(half);
      assertStatusEverywhere(c, id, RestoreStage.STAGING, null);
      String early = String.format("restore %s: COMMIT after %,d of the %,d bytes BEGIN declared", id, half,
          valid.length);
      assertFails(client, ArchiveProtocol.commit(id, 2, sha256(valid), members), RemoteProblem.TRANSFER, early);
      assertUntouched(c, oldState);

      // More bytes than BEGIN declared.
      UUID id2 = UUID.randomUUID();
      ok(client, ArchiveProtocol.begin(id2, half, new byte[0]));
      String surplus = String.format("restore %s: chunks hold more than the %,d bytes BEGIN declared", id2, half);
      assertThat(status(client, ArchiveProtocol.chunk(id2, 0, valid, valid.length)).message()).isEqualTo(surplus);
      assertFails(client, ArchiveProtocol.commit(id2, 1, sha256(valid), members), RemoteProblem.TRANSFER, surplus);
      assertUntouched(c, oldState);

      // Every byte arrives and verifies, but COMMIT counts other chunks, then names another hash.
      UUID id3 = UUID.randomUUID();
      ok(client, ArchiveProtocol.begin(id3, valid.length, new byte[0]));
      ok(client, ArchiveProtocol.chunk(id3, 0, valid, valid.length));
      assertStatusEverywhere(c, id3, RestoreStage.READY, null);
      assertFails(client, ArchiveProtocol.commit(id3, 2, sha256(valid), members), RemoteProblem.TRANSFER,
          "restore " + id3 + ": COMMIT counts 2 chunks, 1 arrived");
      assertUntouched(c, oldState);

      UUID id4 = UUID.randomUUID();
      byte[] otherHash = sha256(new byte[] {1});
      ok(client, ArchiveProtocol.begin(id4, valid.length, new byte[0]));
      ok(client, ArchiveProtocol.chunk(id4, 0, valid, valid.length));
      assertFails(client, ArchiveProtocol.commit(id4, 1, otherHash, members), RemoteProblem.TRANSFER,
          "restore " + id4 + ": SHA-256 of the chunks received differs from the client's "
              + HexFormat.of().formatHex(otherHash));
      assertUntouched(c, oldState);

      // COMMIT of a restore that is not open.
      UUID never = UUID.randomUUID();
      assertFails(client, ArchiveProtocol.commit(never, 1, sha256(valid), members), RemoteProblem.NOT_OPEN,
          "restore " + never + " is not open on " + c.leader().getId());
      assertUntouched(c, oldState);
    }
  }

  /**
   * Restores {@code bytes} declared as {@code declared} bytes without local verification and checks that
   * the servers reject the archive for exactly the reason the reader gives for what they receive.
   */
  private void assertServersReject(byte[] bytes, long declared) throws Exception {
    ArchiveException local = localVerdict(Arrays.copyOf(bytes, (int) declared));
    Map<String, String> oldState = RestoreFixture.oldState();
    try (LoopbackCluster c = RestoreFixture.startWith(tmp.resolve("cluster"), oldState)) {
      try (RestoreClient restore = RestoreFixture.restoreClient(c, PREPARE)) {
        Throwable thrown = catchThrowable(() -> restore.restoreUnverified(new ByteArrayInputStream(bytes), declared,
            TransferProgress.NONE));
        assertThat(thrown).isExactlyInstanceOf(ArchiveException.class)
            .hasMessageMatching("the servers rejected the archive: server n[1-4]: "
                + Pattern.quote(local.getMessage()));
        assertThat(((ArchiveException) thrown).problem()).isEqualTo(local.problem());
        assertThat(thrown.getCause()).isInstanceOfSatisfying(RemoteArchiveException.class,
            r -> assertThat(r.wireName()).isEqualTo(local.problem().name()));
      }
      assertUntouched(c, oldState);
    }
  }

  /** What the archive reader says about {@code bytes}; fails if it accepts them. */
  private static ArchiveException localVerdict(byte[] bytes) {
    Throwable t = catchThrowable(() -> ArchiveReader.defaults().verify(new ByteArrayInputStream(bytes)));
    assertThat(t).as("the reader's verdict on the bytes the servers get").isInstanceOf(ArchiveException.class);
    return (ArchiveException) t;
  }

  /** After a failed restore: no restore open, no staging file, the old state everywhere, writes taken. */
  private static void assertUntouched(LoopbackCluster c, Map<String, String> oldState) throws Exception {
    RestoreFixture.awaitAllApplied(c);
    RestoreFixture.assertNoRestoreOpen(c);
    assertThat(RestoreFixture.stagingFiles(c)).as("staging files").isEmpty();
    RestoreFixture.assertEveryReplicaHolds(c, oldState);
    Map<String, String> after = RestoreFixture.assertAcceptsWrites(c, oldState);
    // Take the write back out so that the next step of the same test compares with the old state again.
    try (RaftClient client = RestoreFixture.clientOfLeader(c)) {
      for (String k : after.keySet()) {
        if (!oldState.containsKey(k)) {
          assertThat(client.io().send(Message.valueOf("DEL " + k)).isSuccess()).isTrue();
        }
      }
    }
    RestoreFixture.assertEveryReplicaHolds(c, oldState);
  }

  private static void ok(RaftClient client, Message m) throws IOException {
    Replies.check(client.io().send(m).getMessage().getContent(), "leader");
  }

  private static RestoreStatus status(RaftClient client, Message chunk) throws IOException {
    return RestoreStatus.parse(client.io().send(chunk).getMessage().getContent(), "leader");
  }

  private static void assertFails(RaftClient client, Message m, RemoteProblem problem, String message) throws IOException {
    Throwable t = catchThrowable(() -> Replies.check(client.io().send(m).getMessage().getContent(), "leader"));
    assertThat(t).isExactlyInstanceOf(RemoteArchiveException.class).hasMessage(message);
    assertThat(((RemoteArchiveException) t).problem()).isEqualTo(problem);
  }

  /** Every replica (asked with a stale read, as the client does) reports the stage and message. */
  private static void assertStatusEverywhere(LoopbackCluster c, UUID id, RestoreStage stage,
      String message) throws Exception {
    RestoreFixture.awaitAllApplied(c);
    try (RaftClient client = c.client()) {
      for (RaftPeerId peer : c.runningIds()) {
        RestoreStatus s = ReplicaStatus.parse(client.io().sendStaleRead(ArchiveProtocol.status(id), 0, peer)
            .getMessage().getContent(), peer).restore();
        assertThat(s.stage()).as("stage on %s", peer).isEqualTo(stage);
        if (message != null) {
          assertThat(s.message()).as("message on %s", peer).isEqualTo(message);
        }
      }
    }
  }

  private static byte[] sha256(byte[] bytes) throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(bytes);
  }
}
