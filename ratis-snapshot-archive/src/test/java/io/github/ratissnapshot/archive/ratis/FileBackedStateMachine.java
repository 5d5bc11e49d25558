package io.github.ratissnapshot.archive.ratis;

import io.github.ratissnapshot.archive.format.TestStates;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.UUID;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;

/**
 * A state machine whose state is one file of arbitrary size, for large-state tests that must not hold a
 * state in memory: {@code GEN seed size} regenerates the file from a generator; the state's SHA-256 is
 * kept to compare replicas.
 */
class FileBackedStateMachine extends ArchivingStateMachine {
  private Path file;
  private volatile String sha256 = "";
  private volatile long size;

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage storage) throws IOException {
    Path dir = storage.getStorageDir().getRoot().toPath().resolve("app");
    Files.createDirectories(dir);
    file = dir.resolve("state.bin");
    super.initialize(server, groupId, storage);
  }

  String sha256() {
    return sha256;
  }

  long size() {
    return size;
  }

  static Message generate(long seed, long bytes) {
    return Message.valueOf("GEN " + seed + " " + bytes);
  }

  @Override
  public void writeState(OutputStream out) throws IOException {
    if (Files.exists(file)) {
      Files.copy(file, out);
    }
  }

  @Override
  public void replaceState(InputStream in) throws IOException {
    install(in);
  }

  private void install(InputStream in) throws IOException {
    Path tmp = file.resolveSibling("state-" + UUID.randomUUID() + ".tmp");
    MessageDigest d = sha();
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20);
        InputStream hashed = new DigestInputStream(in, d)) {
      long n = hashed.transferTo(out);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      size = n;
      sha256 = HexFormat.of().formatHex(d.digest());
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  @Override
  protected Message applyOperation(TermIndex at, Message operation) throws IOException {
    String[] op = operation.getContent().toString(StandardCharsets.UTF_8).split(" ");
    if (!op[0].equals("GEN")) {
      throw new IOException("unknown operation " + op[0]);
    }
    try (InputStream in = TestStates.stream(Long.parseLong(op[1]), Long.parseLong(op[2]))) {
      install(in);
    }
    return Message.valueOf(sha256);
  }

  @Override
  protected Message queryState(Message query) {
    return Message.valueOf(sha256);
  }

  private static MessageDigest sha() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
