package io.github.ratissnapshot.archive.ratis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.ratissnapshot.archive.ratis.client.RestoreClient;
import io.github.ratissnapshot.archive.ratis.protocol.ArchiveProtocol;
import io.github.ratissnapshot.archive.ratis.protocol.RestoreInProgressException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A restore whose client died holds the group until an operator aborts it; aborting keeps every state. */
@Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class AbandonedRestoreIT {
  @TempDir
  Path tmp;

  @Test
  void abortOpenRestoreEndsARestoreWhoseClientDiedAndTheGroupTakesWritesAgain() throws Exception {
    Map<String, String> old = RestoreFixture.oldState();
    try (LoopbackCluster c = RestoreFixture.startWith(tmp.resolve("c"), old)) {
      UUID abandoned = UUID.randomUUID();
      try (RaftClient client = c.client()) {
        // A client that began a restore, sent one chunk and died.
        client.io().send(ArchiveProtocol.begin(abandoned, 1 << 20, new byte[0]));
        client.io().send(ArchiveProtocol.chunk(abandoned, 0, new byte[1024], 1024));
        assertThatThrownBy(() -> client.io().send(KvTestStateMachine.put("blocked", "x")))
            .hasRootCauseInstanceOf(RestoreInProgressException.class);
      }
      try (RestoreClient restore = RestoreClient.newBuilder(c.connection()).build()) {
        assertThat(restore.abortOpenRestore()).contains(abandoned);
        assertThat(restore.abortOpenRestore()).isEqualTo(Optional.empty());
      }
      RestoreFixture.assertNoRestoreOpen(c);
      RestoreFixture.awaitNoStagingFiles(c);
      RestoreFixture.assertEveryReplicaHolds(c, old);
      RestoreFixture.assertAcceptsWrites(c, old);
    }
  }
}
