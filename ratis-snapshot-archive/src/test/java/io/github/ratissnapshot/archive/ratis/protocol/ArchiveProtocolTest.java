package io.github.ratissnapshot.archive.ratis.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.ratissnapshot.archive.format.Configuration;
import io.github.ratissnapshot.archive.format.Server;
import io.github.ratissnapshot.archive.format.Suffrage;
import java.util.List;
import java.util.UUID;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

class ArchiveProtocolTest {
  private static final Configuration CONF = new Configuration(List.of(
      new Server(Suffrage.VOTER, "n1", "127.0.0.1:1"), new Server(Suffrage.NONVOTER, "n4", "127.0.0.1:4")));

  @Test
  void aCompressedReadDecodesToWhatWasAsked() throws Exception {
    UUID pin = UUID.randomUUID();

    for (boolean withCrc : new boolean[] {false, true}) {
      Op op = ArchiveProtocol.decode(ArchiveProtocol.deflate(pin, 5L << 30, 4 << 20, 9, withCrc).getContent())
          .orElseThrow();

      assertThat(op).isEqualTo(new Op.Deflate(pin, 5L << 30, 4 << 20, 9, withCrc));
      assertThat(op.isLogEntry()).isFalse();
    }
  }

  @Test
  void aPinReplySaysWhetherTheServerCompresses() throws Exception {
    for (boolean deflates : new boolean[] {true, false}) {
      PinInfo pin = new PinInfo(UUID.randomUUID(), 3, 40, 1234, "ab", CONF, 7, deflates, null);

      assertThat(PinInfo.parse(pin.toReply().getContent(), "n1")).isEqualTo(pin);
    }
  }

  @Test
  void aPinReplyOfAnEarlierReleaseEndsBeforeTheFlagAndMeansTheServerCannotCompress() throws Exception {
    PinInfo pin = new PinInfo(UUID.randomUUID(), 3, 40, 1234, null, CONF, 7, true, null);
    ByteString current = pin.toReply().getContent();
    ByteString earlier = current.substring(0, current.size() - 1); // what servers wrote before the flag

    assertThat(PinInfo.parse(earlier, "n1")).isEqualTo(new PinInfo(pin.pinId(), 3, 40, 1234, null, CONF, 7, false,
        null));
  }

  @Test
  void aPinReplyCarriesTheFilesShaWhenTheServerHasItAndEndsAfterTheFlagWhenNot() throws Exception {
    String sha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    PinInfo with = new PinInfo(UUID.randomUUID(), 3, 40, 1234, "ab", CONF, 7, true, sha);
    PinInfo without = new PinInfo(with.pinId(), 3, 40, 1234, "ab", CONF, 7, true, null);

    assertThat(PinInfo.parse(with.toReply().getContent(), "n1")).isEqualTo(with);
    // Without a SHA-256 the reply is byte for byte what the previous release's servers send.
    ByteString plain = without.toReply().getContent();
    assertThat(with.toReply().getContent().startsWith(plain)).isTrue();
    assertThat(PinInfo.parse(plain, "n1")).isEqualTo(without);
  }
}
