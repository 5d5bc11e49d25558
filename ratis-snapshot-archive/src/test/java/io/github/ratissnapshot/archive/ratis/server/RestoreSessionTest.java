package io.github.ratissnapshot.archive.ratis.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.ratissnapshot.archive.format.ArchiveWriter;
import io.github.ratissnapshot.archive.format.Configuration;
import io.github.ratissnapshot.archive.format.Digests;
import io.github.ratissnapshot.archive.format.SnapshotMeta;
import io.github.ratissnapshot.archive.ratis.protocol.RestoreStage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.Random;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replica's restore session on its own, without Ratis: chunks staged in order, the archive verified and its
 * state extracted at the last one, and nothing left on disk by a session that fails or closes.
 */
@Timeout(60)
class RestoreSessionTest {
  private static final int CHUNK = 64 * 1024;

  @TempDir
  Path dir;

  @Test
  void theLastChunkMakesTheSessionReadyWithTheStateAndItsMd5() throws Exception {
    byte[] state = state(3 << 20);
    byte[] archive = archive(state);
    UUID id = UUID.randomUUID();
    try (RestoreSession s = session(id, archive.length)) {
      int chunks = sendAllButLast(s, archive);
      s.append(chunks - 1, ByteString.copyFrom(archive, 0, CHUNK)); // sent again: ignored
      assertThat(s.stage()).isEqualTo(RestoreStage.STAGING);
      assertThat(dir.resolve(id + ".snap.bin.partial")).hasSize((long) chunks * CHUNK);
      sendLast(s, archive, chunks);

      assertThat(s.stage()).as(s.message()).isEqualTo(RestoreStage.READY);
      assertThat(s.message()).startsWith("archive ").endsWith(" verified");
      assertThat(s.summary().meta().size()).isEqualTo(state.length);
      try (InputStream in = s.openState()) {
        assertThat(in.readAllBytes()).isEqualTo(state);
      }
      assertThat(s.stateMd5Hex()).isEqualTo(Digests.hex(Digests.md5().digest(state)));
      assertThat(dir.resolve(id + ".snap.bin.partial")).as("the staging file is gone once verified").doesNotExist();
      assertThat(files()).as("only the extracted state").hasSize(1);
      s.checkCommit(chunks + 1, Digests.sha256().digest(archive));
      assertThat(s.stage()).isEqualTo(RestoreStage.READY);
    }
    assertThat(files()).as("closing deletes the state nobody took").isEmpty();
  }

  @Test
  void aCommitCountingOtherChunksIsRefusedAndTheStateDeleted() throws Exception {
    byte[] archive = archive(state(1 << 20));
    UUID id = UUID.randomUUID();
    try (RestoreSession s = session(id, archive.length)) {
      int chunks = sendAllButLast(s, archive);
      sendLast(s, archive, chunks);
      assertThat(s.stage()).isEqualTo(RestoreStage.READY);

      s.checkCommit(chunks, Digests.sha256().digest(archive));

      assertThat(s.stage()).isEqualTo(RestoreStage.INVALID);
      assertThat(s.message()).isEqualTo("restore " + id + ": COMMIT counts " + chunks + " chunks, " + (chunks + 1)
          + " arrived");
    }
    assertThat(files()).isEmpty();
  }

  @Test
  void aCorruptArchiveIsRejectedAtTheLastChunkAndLeavesNothing() throws Exception {
    byte[] archive = archive(state(3 << 20));
    archive[archive.length - 8] ^= 0x55; // the gzip trailer's CRC-32
    UUID id = UUID.randomUUID();
    try (RestoreSession s = session(id, archive.length)) {
      int chunks = sendAllButLast(s, archive);
      assertThat(s.stage()).isEqualTo(RestoreStage.STAGING);
      sendLast(s, archive, chunks);

      assertThat(s.stage()).isEqualTo(RestoreStage.INVALID);
      assertThat(s.problem()).isEqualTo("GZIP_CRC");
      assertThat(files()).isEmpty();
    }
  }

  @Test
  void closingMidTransferDeletesTheStagedChunks() throws Exception {
    byte[] archive = archive(state(3 << 20));
    RestoreSession s = session(UUID.randomUUID(), archive.length);
    s.append(0, ByteString.copyFrom(archive, 0, CHUNK));
    s.append(1, ByteString.copyFrom(archive, CHUNK, CHUNK));
    assertThat(files()).hasSize(1);
    s.close();

    assertThat(files()).isEmpty();
  }

  @Test
  void moreBytesThanDeclaredEndTheSessionAndItsVerifier() throws Exception {
    byte[] archive = archive(state(1 << 20));
    UUID id = UUID.randomUUID();
    try (RestoreSession s = session(id, archive.length - 1)) {
      int chunks = sendAllButLast(s, archive);
      sendLast(s, archive, chunks);

      assertThat(s.stage()).isEqualTo(RestoreStage.INVALID);
      assertThat(s.problem()).isEqualTo("TRANSFER");
      assertThat(s.message()).isEqualTo(String.format(
          "restore %s: chunks hold more than the %,d bytes BEGIN declared", id, archive.length - 1L));
      assertThat(files()).isEmpty();
    }
  }

  @Test
  void anEmptyArchiveIsInvalidAtOnce() throws Exception {
    try (RestoreSession s = session(UUID.randomUUID(), 0)) {
      assertThat(s.stage()).isEqualTo(RestoreStage.INVALID);
      assertThat(files()).isEmpty();
    }
  }

  private RestoreSession session(UUID id, long bytes) {
    return new RestoreSession(id, bytes, TermIndex.valueOf(1, 10), 11, dir);
  }

  private static int sendAllButLast(RestoreSession s, byte[] archive) {
    int seq = 0;
    for (int off = 0; off + CHUNK < archive.length; off += CHUNK) {
      s.append(seq++, ByteString.copyFrom(archive, off, CHUNK));
    }
    return seq;
  }

  private static void sendLast(RestoreSession s, byte[] archive, int seq) {
    int off = seq * CHUNK;
    s.append(seq, ByteString.copyFrom(archive, off, archive.length - off));
  }

  private static byte[] state(int n) {
    byte[] b = new byte[n];
    Random r = new Random(n);
    for (int i = 0; i < n; i += 64) {
      Arrays.fill(b, i, Math.min(n, i + 48), (byte) ('a' + r.nextInt(26)));
      for (int j = i + 48; j < Math.min(n, i + 64); j++) {
        b[j] = (byte) r.nextInt();
      }
    }
    return b;
  }

  private static byte[] archive(byte[] state) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    SnapshotMeta meta = SnapshotMeta.of(3, 5000, Configuration.EMPTY, 0, state.length, Instant.now());
    ArchiveWriter.defaults().write(out, meta, new ByteArrayInputStream(state));
    return out.toByteArray();
  }

  private Object[] files() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.toArray();
    }
  }
}
