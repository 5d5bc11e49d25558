package io.github.ratissnapshot.archive.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.github.ratissnapshot.archive.ratis.client.RestoreOutcomeUnknownException;
import io.github.ratissnapshot.archive.ratis.protocol.RemoteArchiveException;
import io.github.ratissnapshot.archive.ratis.protocol.RemoteProblem;
import io.github.ratissnapshot.archive.ratis.protocol.Replies;
import java.io.IOException;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import org.apache.ratis.protocol.exceptions.AlreadyClosedException;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

/** How the CLI turns failures into an exit code and one line: the cases that were once typed by string. */
class FailureDescriptionTest {
  @Test
  void aMalformedReplyFromAServerIsAnOperationalFailureNotAUsageError() {
    Throwable t = catchThrowable(() -> Replies.check(ByteString.copyFromUtf8("\u0007garbage"), "n2"));

    assertThat(t).isInstanceOfSatisfying(RemoteArchiveException.class,
        e -> assertThat(e.problem()).isEqualTo(RemoteProblem.MALFORMED_REPLY));
    assertThat(RatisSnapshotCli.exitCodeOf(new CompletionException(t))).isEqualTo(ExitCode.FAILURE);
    assertThat(RatisSnapshotCli.describe(t, false)).isEqualTo("malformed reply from server n2: status byte 7");
  }

  @Test
  void anUnknownWireProblemKeepsItsNameAndIsAnOperationalFailure() {
    RemoteArchiveException e = RemoteArchiveException.fromWire("SOMETHING_NEW", "a newer server's problem");

    assertThat(e.problem()).isEqualTo(RemoteProblem.UNKNOWN);
    assertThat(e.wireName()).isEqualTo("SOMETHING_NEW");
    assertThat(RatisSnapshotCli.exitCodeOf(e)).isEqualTo(ExitCode.FAILURE);
  }

  @Test
  void anUnknownRestoreOutcomeIsItsOwnTypeAndSaysWhatWasLost() {
    UUID id = UUID.fromString("00000000-0000-0000-0000-000000000042");
    IOException lost = new IOException("failed to send", new AlreadyClosedException("client-1->n1 is closed."));

    RestoreOutcomeUnknownException e = new RestoreOutcomeUnknownException(id, lost);

    assertThat(e.restoreId()).isEqualTo(id);
    assertThat(e.getMessage()).isEqualTo("the outcome of restore " + id + " is unknown: COMMIT was sent but no reply "
        + "came (failed to send)");
    assertThat(RatisSnapshotCli.exitCodeOf(e)).isEqualTo(ExitCode.FAILURE);
  }
}
