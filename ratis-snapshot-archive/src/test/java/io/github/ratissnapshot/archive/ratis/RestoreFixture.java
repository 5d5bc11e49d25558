package io.github.ratissnapshot.archive.ratis;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.ratissnapshot.archive.format.ArchiveWriter;
import io.github.ratissnapshot.archive.format.Configuration;
import io.github.ratissnapshot.archive.format.SnapshotMeta;
import io.github.ratissnapshot.archive.ratis.client.RestoreClient;
import io.github.ratissnapshot.archive.ratis.protocol.ArchiveProtocol;
import io.github.ratissnapshot.archive.ratis.protocol.Membership;
import io.github.ratissnapshot.archive.ratis.protocol.Op;
import io.github.ratissnapshot.archive.ratis.protocol.ReplicaStatus;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.raftlog.RaftLogIOException;

/**
 * What the online-restore fault tests share: generated key-value states and their archives, loading a
 * state into a group, reading every replica's full state, the staging directories, the restore entries
 * in a replica's log, and a gate that holds a restore open at a chosen byte.
 */
final class RestoreFixture {
  /** Archive bytes per log entry in these tests: small, so that a few MiB make many chunk points. */
  static final int CHUNK = 32 * 1024;
  /** How long replicas get to converge before a test fails. */
  static final Duration CONVERGE = Duration.ofSeconds(60);

  private static final char[] ALPHABET =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

  private RestoreFixture() {}

  /** Returns {@code n} keys {@code prefix0..} with random alphanumeric values of {@code valueLength} chars. */
  static Map<String, String> keys(String prefix, int n, int valueLength, long seed) {
    Random random = new Random(seed);
    Map<String, String> m = new TreeMap<>();
    char[] value = new char[valueLength];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < valueLength; j++) {
        value[j] = ALPHABET[random.nextInt(ALPHABET.length)];
      }
      m.put(prefix + i, new String(value));
    }
    return m;
  }

  /** The state a group holds before a restore: small, written through the log. */
  static Map<String, String> oldState() {
    Map<String, String> m = keys("old-", 60, 64, 1);
    m.putAll(keys("shared-", 20, 32, 2));
    return m;
  }

  /**
   * The state an archive restores: about 2 MiB, compressing to about 1.5 MiB, so about 48 chunks of
   * {@link #CHUNK}. Shares some keys with {@link #oldState()} under other values.
   */
  static Map<String, String> newState() {
    Map<String, String> m = keys("new-", 1000, 2048, 3);
    m.putAll(keys("shared-", 20, 48, 4));
    return m;
  }

  /** Writes an archive whose {@code state.bin} is {@code state} into a new file in {@code dir}. */
  static Path archive(byte[] state, Path dir) throws IOException {
    Files.createDirectories(dir);
    Path file = Files.createTempFile(dir, "archive-", ".snap");
    SnapshotMeta meta = SnapshotMeta.of(3, 5000, Configuration.EMPTY, 0, state.length, Instant.now());
    try (OutputStream out = Files.newOutputStream(file)) {
      ArchiveWriter.defaults().write(out, meta, new ByteArrayInputStream(state));
    }
    return file;
  }

  /** Writes an archive of a key-value state into a new file in {@code dir}. */
  static Path archive(Map<String, String> state, Path dir) throws IOException {
    return archive(KvTestStateMachine.encode(state), dir);
  }

  /** Starts a cluster of 3 voters and 1 listener with small logs, waits for a leader, loads {@code state}. */
  static LoopbackCluster startWith(Path root, Map<String, String> state) throws Exception {
    return startWith(root, state, LoopbackCluster::smallLogs);
  }

  /** Starts a cluster of 3 voters and 1 listener tuned by {@code tuning}, waits for a leader, loads {@code state}. */
  static LoopbackCluster startWith(Path root, Map<String, String> state, Consumer<RaftProperties> tuning)
      throws Exception {
    LoopbackCluster c = LoopbackCluster.define(root, 3, 1, KvTestStateMachine::new, tuning).start();
    try {
      c.leader();
      load(c, state);
      assertEveryReplicaHolds(c, state);
      return c;
    } catch (Exception | Error e) {
      c.close();
      throw e;
    }
  }

  /** Writes every entry through the log (asynchronously, then waits for all). */
  static void load(LoopbackCluster c, Map<String, String> state) throws Exception {
    try (RaftClient client = clientOfLeader(c)) {
      List<CompletableFuture<?>> sent = new ArrayList<>();
      for (Map.Entry<String, String> e : state.entrySet()) {
        sent.add(client.async().send(KvTestStateMachine.put(e.getKey(), e.getValue())));
      }
      CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    }
  }

  /** A client with Ratis's default retries that starts at the current leader (no NotLeader round trips). */
  static RaftClient clientOfLeader(LoopbackCluster c) throws InterruptedException {
    return RaftClient.newBuilder().setRaftGroup(c.group()).setLeaderId(c.leader().getId())
        .setProperties(new RaftProperties()).build();
  }

  /** Returns the group's membership as its leader reports it, as a restore client counts it. */
  static Membership membership(LoopbackCluster c) throws IOException, InterruptedException {
    RaftServer.Division leader = c.leader();
    try (RaftClient client = c.client()) {
      // What the commit gate counts: the leader's configuration as its archive side reports it.
      return ReplicaStatus.parse(client.io().sendStaleRead(ArchiveProtocol.status(UUID.randomUUID()), 0,
          leader.getId()).getMessage().getContent(), leader.getId()).configuration();
    }
  }

  /** A restore client of the group with small chunks. */
  static RestoreClient restoreClient(LoopbackCluster c, Duration prepareTimeout) {
    return RestoreClient.newBuilder(c.connection()).chunkSize(CHUNK).prepareTimeout(prepareTimeout).build();
  }

  /** Returns every running replica's full state. */
  static Map<RaftPeerId, Map<String, String>> states(LoopbackCluster c) throws IOException {
    Map<RaftPeerId, Map<String, String>> m = new LinkedHashMap<>();
    for (RaftPeerId id : c.runningIds()) {
      KvTestStateMachine sm = c.stateMachine(id);
      m.put(id, sm.entries());
    }
    return m;
  }

  /**
   * Waits until every peer of the group runs and has applied everything the leader had committed when
   * this was called: a barrier after which the replicas' states can be compared.
   */
  static void awaitAllApplied(LoopbackCluster c) throws Exception {
    awaitApplied(c, c.peers().stream().map(RaftPeer::getId).toList());
  }

  /** As {@link #awaitAllApplied} for the servers {@code ids} (which may include servers that joined later). */
  static void awaitApplied(LoopbackCluster c, List<RaftPeerId> ids) throws Exception {
    awaitApplied(c, ids, CONVERGE);
  }

  /** As {@link #awaitApplied(LoopbackCluster, List)}, failing after {@code within}. */
  static void awaitApplied(LoopbackCluster c, List<RaftPeerId> ids, Duration within) throws Exception {
    long committed = c.leader().getRaftLog().getLastCommittedIndex();
    Eventually.until(within, "every replica to apply up to " + committed, () -> {
      for (RaftPeerId id : ids) {
        if (!c.isRunning(id) || applied(c, id) < committed) {
          return false;
        }
      }
      return true;
    });
  }

  /** Returns the last index {@code id} has applied, or -1 if it cannot be asked. */
  static long applied(LoopbackCluster c, RaftPeerId id) {
    try {
      return c.division(id).getInfo().getLastAppliedIndex();
    } catch (IOException e) {
      return -1;
    }
  }

  /** Waits until every peer runs and holds exactly {@code expected}; fails naming the replicas that differ. */
  static void assertEveryReplicaHolds(LoopbackCluster c, Map<String, String> expected) throws Exception {
    try {
      Eventually.until(CONVERGE, "every replica to hold the expected " + expected.size() + " keys", () -> {
        try {
          if (!c.runningIds().containsAll(c.peers().stream().map(RaftPeer::getId).toList())) {
            return false;
          }
          for (Map<String, String> s : states(c).values()) {
            if (!s.equals(expected)) {
              return false;
            }
          }
          return true;
        } catch (IOException e) {
          return false;
        }
      });
    } catch (AssertionError e) {
      throw new AssertionError(describe(states(c), expected) + servers(c), e);
    }
  }

  /**
   * Waits until every peer runs and all hold one and the same state, then returns it: the all-or-nothing
   * check when either outcome of a restore is allowed.
   */
  static Map<String, String> awaitOneStateEverywhere(LoopbackCluster c) throws Exception {
    List<Map<String, String>> agreed = new ArrayList<>(1);
    try {
      Eventually.until(CONVERGE, "every replica to hold the same state", () -> {
        try {
          if (!c.runningIds().containsAll(c.peers().stream().map(RaftPeer::getId).toList())) {
            return false;
          }
          List<Map<String, String>> all = new ArrayList<>(states(c).values());
          if (all.stream().allMatch(all.get(0)::equals)) {
            agreed.add(all.get(0));
            return true;
          }
          return false;
        } catch (IOException e) {
          return false;
        }
      });
    } catch (AssertionError e) {
      throw new AssertionError(describe(states(c), null) + servers(c), e);
    }
    return agreed.get(0);
  }

  /** Says how each replica's state differs from {@code expected} (or from the first replica's). */
  static String describe(Map<RaftPeerId, Map<String, String>> states, Map<String, String> expected) {
    StringBuilder b = new StringBuilder("replica states:");
    Map<String, String> reference = expected;
    for (Map.Entry<RaftPeerId, Map<String, String>> e : states.entrySet()) {
      Map<String, String> s = e.getValue();
      if (reference == null) {
        reference = s;
      }
      Map<String, String> ref = reference;
      long missing = ref.keySet().stream().filter(k -> !s.containsKey(k)).count();
      long extra = s.keySet().stream().filter(k -> !ref.containsKey(k)).count();
      long changed = s.entrySet().stream()
          .filter(x -> ref.containsKey(x.getKey()) && !ref.get(x.getKey()).equals(x.getValue())).count();
      long oldKeys = s.keySet().stream().filter(k -> k.startsWith("old-")).count();
      long newKeys = s.keySet().stream().filter(k -> k.startsWith("new-")).count();
      b.append(String.format("%n  %s: %d keys (%d old-*, %d new-*); vs %s: %d missing, %d extra, %d changed",
          e.getKey(), s.size(), oldKeys, newKeys, expected == null ? "first" : "expected", missing, extra,
          changed));
    }
    return b.toString();
  }

  /**
   * Says what each running server's division is doing (alive, role, applied index against the leader's
   * commit, open restore): when replicas differ, whether the odd one stopped, lags, or decided otherwise.
   */
  static String servers(LoopbackCluster c) {
    StringBuilder b = new StringBuilder(String.format("%nservers:"));
    long committed = -1;
    try {
      committed = c.leader().getRaftLog().getLastCommittedIndex();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return b.append(" (interrupted)").toString();
    } catch (RuntimeException | AssertionError e) {
      b.append(" (no leader: ").append(e.getMessage()).append(')');
    }
    for (RaftPeerId id : c.runningIds()) {
      try {
        RaftServer.Division d = c.division(id);
        Object sm = d.getStateMachine();
        Object open = sm instanceof KvTestStateMachine kv ? kv.archiveSupport().openRestoreId() : "?";
        b.append(String.format("%n  %s: alive=%s role=%s applied=%d of leader's committed %d, open restore %s",
            id, d.getInfo().isAlive(), d.getInfo().getCurrentRole(), d.getInfo().getLastAppliedIndex(), committed,
            open));
      } catch (IOException | RuntimeException e) {
        b.append(String.format("%n  %s: %s", id, e));
      }
    }
    return b.toString();
  }

  /** Returns the staging directory of a peer's group storage (whether or not the peer runs). */
  static Path stagingDir(LoopbackCluster c, RaftPeerId id) {
    return c.storageDir(id).resolve(c.group().getGroupId().getUuid().toString()).resolve("archive")
        .resolve("staging");
  }

  /** Returns the files in every peer's staging directory. */
  static List<Path> stagingFiles(LoopbackCluster c) throws IOException {
    List<Path> files = new ArrayList<>();
    for (RaftPeer p : c.peers()) {
      Path dir = stagingDir(c, p.getId());
      if (Files.isDirectory(dir)) {
        try (Stream<Path> s = Files.list(dir)) {
          s.forEach(files::add);
        }
      }
    }
    return files;
  }

  /**
   * The end of every restore test: every replica holds {@code state}, no restore is open, no staging file is
   * left, and the group takes a write.
   */
  static void assertSettledWith(LoopbackCluster c, Map<String, String> state) throws Exception {
    assertEveryReplicaHolds(c, state);
    assertNoRestoreOpen(c);
    awaitNoStagingFiles(c);
    assertAcceptsWrites(c, state);
  }

  /** Waits until no peer has a staging file (a committed restore's state moves to {@code sm/} shortly after). */
  static void awaitNoStagingFiles(LoopbackCluster c) throws Exception {
    try {
      Eventually.until(CONVERGE, "no staging files", () -> {
        try {
          return stagingFiles(c).isEmpty();
        } catch (IOException e) {
          return false;
        }
      });
    } catch (AssertionError e) {
      throw new AssertionError("staging files left: " + stagingFiles(c), e);
    }
  }

  /**
   * Asserts that no replica has a restore open once each has applied what the leader committed (a replica
   * swaps its state a moment before it closes the restore, within the same entry).
   */
  static void assertNoRestoreOpen(LoopbackCluster c) throws Exception {
    awaitAllApplied(c);
    for (RaftPeerId id : c.runningIds()) {
      KvTestStateMachine sm = c.stateMachine(id);
      assertThat(sm.archiveSupport().openRestoreId()).as("open restore on %s", id).isNull();
    }
  }

  /**
   * Writes one new key and waits until every replica holds exactly {@code before} plus that key: the group
   * takes writes, and nothing else changed.
   *
   * @return the state after the write
   */
  static Map<String, String> assertAcceptsWrites(LoopbackCluster c, Map<String, String> before) throws Exception {
    String key = "written-after-" + System.nanoTime();
    try (RaftClient client = clientOfLeader(c)) {
      assertThat(client.io().send(KvTestStateMachine.put(key, "v")).isSuccess()).as("write of %s", key).isTrue();
    }
    Map<String, String> after = new TreeMap<>(before);
    after.put(key, "v");
    assertEveryReplicaHolds(c, after);
    return after;
  }

  /** Returns the archive-protocol operations in a replica's log, in log order, with their indices. */
  static Map<Long, Op> restoreEntries(RaftServer.Division d) throws IOException {
    RaftLog log = d.getRaftLog();
    Map<Long, Op> ops = new LinkedHashMap<>();
    long last = log.getLastEntryTermIndex() == null ? -1 : log.getLastEntryTermIndex().getIndex();
    for (long i = Math.max(0, log.getStartIndex()); i <= last; i++) {
      LogEntryProto e;
      try {
        e = log.get(i);
      } catch (RaftLogIOException ex) {
        throw new IOException("failed to read log entry " + i + " of " + d.getMemberId(), ex);
      }
      if (e != null && e.hasStateMachineLogEntry()) {
        long index = i;
        ArchiveProtocol.decode(e.getStateMachineLogEntry().getLogData()).ifPresent(op -> ops.put(index, op));
      }
    }
    return ops;
  }

  /** Returns the index of the first {@code BEGIN} in a replica's log. */
  static long beginIndex(RaftServer.Division d) throws IOException {
    return restoreEntries(d).entrySet().stream().filter(e -> e.getValue() instanceof Op.Begin)
        .mapToLong(Map.Entry::getKey).findFirst()
        .orElseThrow(() -> new AssertionError("no BEGIN in the log of " + d.getMemberId()));
  }

  /** Decodes a key-value state from its bytes, as a replica would load it. */
  static Map<String, String> decode(InputStream state) throws IOException {
    KvTestStateMachine sm = new KvTestStateMachine();
    sm.replaceState(state);
    return sm.entries();
  }

  /**
   * An archive stream that stops at a chosen byte until the test opens the gate, so that a restore is
   * held open (BEGIN applied, part of the chunks sent) for as long as the test needs.
   */
  static final class Gate extends InputStream {
    private final InputStream in;
    private final long at;
    private final CountDownLatch reached = new CountDownLatch(1);
    private final CountDownLatch opened = new CountDownLatch(1);
    private long position;

    Gate(InputStream in, long at) {
      this.in = in;
      this.at = at;
    }

    /** Waits until the reader has read up to the gate. */
    void awaitReached() throws InterruptedException {
      assertThat(reached.await(60, TimeUnit.SECONDS)).as("the restore reached the gate").isTrue();
    }

    /** Lets the reader go on. */
    void open() {
      opened.countDown();
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (position >= at && opened.getCount() > 0) {
        reached.countDown();
        try {
          if (!opened.await(120, TimeUnit.SECONDS)) {
            throw new IOException("the test never opened the gate");
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("interrupted at the gate");
        }
      }
      int max = position < at ? (int) Math.min(len, at - position) : len;
      int n = in.read(b, off, max);
      if (n > 0) {
        position += n;
      }
      return n;
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }
}
