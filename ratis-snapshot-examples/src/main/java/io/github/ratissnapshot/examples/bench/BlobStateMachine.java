package io.github.ratissnapshot.examples.bench;

import io.github.ratissnapshot.archive.ratis.ArchivingStateMachine;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;

/**
 * The benchmarks' state machine: its state is one file of any size, kept on disk beside the server's
 * storage so that a gigabyte-sized state costs no heap. {@code GEN seed size} replaces it with
 * {@link KvLikeState}; queries return {@code "<size> <sha256>"}.
 */
public final class BlobStateMachine extends ArchivingStateMachine {
  private Path file;
  private volatile String fingerprint = "0 none";

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage storage) throws IOException {
    Path dir = storage.getStorageDir().getRoot().toPath().resolve("app");
    Files.createDirectories(dir);
    file = dir.resolve("blob.bin");
    super.initialize(server, groupId, storage);
  }

  /** A write that regenerates the state: {@code size} bytes of key-value-like data from {@code seed}. */
  public static Message generate(long seed, long size) {
    return Message.valueOf("GEN " + seed + " " + size);
  }

  /** A query for {@code "<size> <sha256>"} of the state. */
  public static Message fingerprint() {
    return Message.valueOf("FINGERPRINT");
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

  @Override
  protected Message applyOperation(TermIndex at, Message operation) throws IOException {
    String[] op = operation.getContent().toString(StandardCharsets.UTF_8).split(" ");
    if (op.length != 3 || !op[0].equals("GEN")) {
      throw new IOException("unknown operation");
    }
    try (InputStream in = new KvLikeState(Long.parseLong(op[1]), Long.parseLong(op[2]))) {
      install(in);
    }
    return Message.valueOf(fingerprint);
  }

  @Override
  protected Message queryState(Message query) {
    return Message.valueOf(fingerprint);
  }

  private void install(InputStream in) throws IOException {
    Path tmp = file.resolveSibling("blob.tmp");
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
    long n;
    try (OutputStream out = new BufferedOutputStream(new DigestOutputStream(Files.newOutputStream(tmp), sha), 1 << 20)) {
      n = in.transferTo(out);
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    fingerprint = n + " " + HexFormat.of().formatHex(sha.digest());
  }
}
