package io.github.ratissnapshot.archive.ratis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.ratissnapshot.archive.format.ArchiveSummary;
import io.github.ratissnapshot.archive.format.ArchiveWriter;
import io.github.ratissnapshot.archive.format.AtomicFile;
import io.github.ratissnapshot.archive.ratis.client.GroupConnection;
import io.github.ratissnapshot.archive.ratis.client.RestoreClient;
import io.github.ratissnapshot.archive.ratis.client.SaveClient;
import io.github.ratissnapshot.archive.ratis.client.TransferProgress;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.protocol.RaftPeerId;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A group on mutual TLS with real certificates: only a client whose certificate the group's authority
 * signed can write, save or restore; plaintext clients and clients of another authority can do none of it.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class MutualTlsIT {
  @TempDir
  Path tmp;

  private Parameters serverTls;
  private Parameters operatorTls;
  private Parameters intruderTls;

  @BeforeEach
  void certificates() throws Exception {
    Path certs = tmp.resolve("certs");
    Files.createDirectories(certs);
    TestCertificates.Authority trusted = TestCertificates.authority(certs, "group-ca");
    TestCertificates.Authority rogue = TestCertificates.authority(certs, "rogue-ca");
    TestCertificates.Issued server = trusted.issue(certs, "server");
    TestCertificates.Issued operator = trusted.issue(certs, "operator");
    TestCertificates.Issued intruder = rogue.issue(certs, "intruder");
    serverTls = MutualTls.parameters(server.cert(), server.key(), trusted.certFile);
    operatorTls = MutualTls.parameters(operator.cert(), operator.key(), trusted.certFile);
    // The intruder trusts the group's authority (it can verify the servers) but holds a rogue certificate.
    intruderTls = MutualTls.parameters(intruder.cert(), intruder.key(), trusted.certFile);
  }

  @Test
  void onlyAClientWithATrustedCertificateCanWriteSaveOrRestore() throws Exception {
    try (LoopbackCluster c = LoopbackCluster.define(tmp.resolve("c"), 3, 0, KvTestStateMachine::new,
        LoopbackCluster::smallLogs).parameters(serverTls).start()) {
      c.leader();
      Map<String, String> state = new TreeMap<>();
      GroupConnection operator = connection(c, operatorTls);
      try (RaftClient client = operator.newClient()) {
        for (int i = 0; i < 20; i++) {
          client.io().send(KvTestStateMachine.put("t" + i, "v" + i));
          state.put("t" + i, "v" + i);
        }
      }
      Path archive = tmp.resolve("tls.snap");
      ArchiveSummary saved;
      try (SaveClient save = SaveClient.newBuilder(operator).build(); AtomicFile out = AtomicFile.create(archive, false)) {
        saved = save.writeTo(out.stream());
        out.commit();
      }
      assertThat(saved.meta().index()).isPositive();

      for (Parameters untrusted : new Parameters[] {null, intruderTls}) {
        GroupConnection outsider = connection(c, untrusted);
        try (RaftClient client = outsider.newClient()) {
          assertThatThrownBy(() -> client.io().send(KvTestStateMachine.put("t0", "stolen")))
              .as("write without a trusted certificate").isInstanceOf(IOException.class);
        }
        try (SaveClient save = SaveClient.newBuilder(outsider).build()) {
          assertThatThrownBy(() -> save.writeTo(OutputStream.nullOutputStream()))
              .as("save without a trusted certificate").isInstanceOf(IOException.class)
              .hasMessageStartingWith("failed to take a snapshot on group " + c.group().getGroupId());
        }
        try (RestoreClient restore = RestoreClient.newBuilder(outsider).build()) {
          assertThatThrownBy(() -> restore.restore(archive, TransferProgress.NONE))
              .as("restore without a trusted certificate").isInstanceOf(IOException.class)
              .hasMessageContaining("failed to begin restore");
        }
      }
      for (RaftPeerId id : c.runningIds()) {
        KvTestStateMachine sm = c.stateMachine(id);
        assertThat(sm.entries()).as("%s untouched by the outsiders", id).isEqualTo(state);
        assertThat(sm.archiveSupport().isRestoreOpen()).isFalse();
      }

      try (RaftClient client = operator.newClient()) {
        client.io().send(KvTestStateMachine.put("t0", "changed"));
      }
      try (RestoreClient restore = RestoreClient.newBuilder(operator).build()) {
        restore.restore(archive, TransferProgress.NONE);
      }
      for (RaftPeerId id : c.runningIds()) {
        KvTestStateMachine sm = c.stateMachine(id);
        Eventually.until(Duration.ofSeconds(30), id + " restored by the operator", () -> sm.entries().equals(state));
      }
    }
  }

  private static GroupConnection connection(LoopbackCluster c, Parameters tls) {
    return GroupConnection.newBuilder().group(c.group()).parameters(tls).requestTimeout(Duration.ofSeconds(5))
        .retries(2, Duration.ofMillis(100)).build();
  }
}
