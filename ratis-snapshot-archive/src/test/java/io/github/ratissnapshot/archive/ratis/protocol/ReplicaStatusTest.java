package io.github.ratissnapshot.archive.ratis.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

/** The STATUS reply carries the replica's configuration whole: the gate counts it on every Ratis version. */
class ReplicaStatusTest {
  private static RaftPeer peer(String id, int port, RaftPeerRole role) {
    return RaftPeer.newBuilder().setId(id).setAddress("127.0.0.1:" + port).setClientAddress("127.0.0.1:" + (port + 1))
        .setStartupRole(role).build();
  }

  @Test
  void aConfigurationInTheMiddleOfAChangeSurvivesTheWireWithEveryAddress() throws Exception {
    Membership m = new Membership(
        List.of(peer("n1", 1000, RaftPeerRole.FOLLOWER), peer("n4", 4000, RaftPeerRole.FOLLOWER)),
        List.of(peer("n1", 1000, RaftPeerRole.FOLLOWER), peer("n2", 2000, RaftPeerRole.FOLLOWER)),
        List.of(peer("n9", 9000, RaftPeerRole.LISTENER)));
    RestoreStatus staged = new RestoreStatus(RestoreStage.READY, 10, 10, null, "verified");

    ReplicaStatus read = ReplicaStatus.parse(new ReplicaStatus(staged, m).toReply().getContent(), "n1");

    assertThat(read.restore()).isEqualTo(staged);
    assertThat(read.configuration().canonical()).isEqualTo("voters=n1,n4;old=n1,n2;listeners=n9");
    assertThat(read.configuration().isQuorum(Set.of("n1", "n4"))).as("the old majority is missing").isFalse();
    assertThat(read.configuration().members()).extracting(RaftPeer::getAddress, RaftPeer::getClientAddress)
        .containsExactly(
            tuple("127.0.0.1:1000", "127.0.0.1:1001"),
            tuple("127.0.0.1:4000", "127.0.0.1:4001"),
            tuple("127.0.0.1:2000", "127.0.0.1:2001"),
            tuple("127.0.0.1:9000", "127.0.0.1:9001"));
  }

  @Test
  void aReplicaWithoutAConfigurationSaysSo() throws Exception {
    ReplicaStatus read = ReplicaStatus.parse(new ReplicaStatus(RestoreStatus.none("no restore is open"), null)
        .toReply().getContent(), "n1");

    assertThat(read.restore().stage()).isEqualTo(RestoreStage.NONE);
    assertThat(read.configuration()).isNull();
  }

  @Test
  void aConfigurationLengthOutOfRangeIsAMalformedReply() {
    ByteString head = new ReplicaStatus(RestoreStatus.none("x"), null).toReply().getContent();
    // Replace the trailing "no configuration" flag with "configuration of -1 bytes".
    ByteString bad = head.substring(0, head.size() - 1)
        .concat(ByteString.copyFrom(ByteBuffer.allocate(5).put((byte) 1).putInt(-1).array()));

    assertThatThrownBy(() -> ReplicaStatus.parse(bad, "n1"))
        .isInstanceOf(RemoteArchiveException.class)
        .hasMessageContaining("configuration of -1 is out of range");
  }
}
