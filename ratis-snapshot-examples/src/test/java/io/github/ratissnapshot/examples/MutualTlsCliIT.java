package io.github.ratissnapshot.examples;

import static io.github.ratissnapshot.examples.CliAssertions.assertExit;
import static io.github.ratissnapshot.examples.CliAssertions.assertOneLineError;
import static io.github.ratissnapshot.examples.CliAssertions.namesIn;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.ratissnapshot.archive.ratis.TestCertificates;
import io.github.ratissnapshot.examples.kv.KvCommand;
import io.github.ratissnapshot.examples.kv.KvStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example cluster and the CLI on mutual TLS, as real processes with real certificates
 * ({@link TestCertificates}): {@code cluster start} with the servers' certificate, key and authority; an
 * operator whose certificate the group's authority signed can write ({@code kv load}, {@code kv put}),
 * {@code save} an archive that verifies, and {@code restore} it. A plaintext client, and an intruder whose
 * certificate a rogue authority signed (it trusts the group's authority, so it could check the servers), can
 * do none of the three: each command exits 1 with one line on standard error, a refused save leaves neither
 * FILE nor FILE.part, and every node keeps its state.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class MutualTlsCliIT {
  /**
   * How long an outsider's command may take: each try is refused at once, but the CLI tries a request 20
   * times, 500 ms apart, as it would through a leader election: 10 s of pauses, 20 s for a restore, which
   * then tries to abort it (15 to 25 s, and 25 to 36 s for a restore, observed on 2 cores).
   */
  private static final Duration OUTSIDER_BOUND = Duration.ofSeconds(60);
  /** Bounds each try of an outsider's request, should a server accept the connection and never answer. */
  private static final String OUTSIDER_TIMEOUT = "5s";
  /**
   * The saved state: {@code kv load --keys 3 --prefix acc --value-size 8}. The keys have 13 characters, as
   * {@link #KEY}: Ratis's error for a refused write quotes the request's first bytes, where this length is a
   * carriage return, which must not split the CLI's one-line message.
   */
  private static final Map<String, String> SAVED_STATE = Map.copyOf(KvCommand.generated("acc", 0, 3, 8));
  /** The key the operator changes after the save, and the outsiders try to overwrite. */
  private static final String KEY = "acc0000000000";
  private static final Pattern SAVED = Pattern.compile("^Saved (.+): ID (\\S+), Index (\\d+), Term (\\d+), "
      + "Size (\\d+) \\(state sha256 ([0-9a-f]{64})\\); archive (\\d+) bytes, sha256 ([0-9a-f]{64})$");

  @TempDir
  Path dir;

  @Test
  void onlyAClientWithATrustedCertificateCanWriteSaveOrRestore() throws Exception {
    Path certs = Files.createDirectories(dir.resolve("certs"));
    TestCertificates.Authority groupCa = TestCertificates.authority(certs, "group-ca");
    TestCertificates.Authority rogueCa = TestCertificates.authority(certs, "rogue-ca");
    List<String> serverTls = tls(groupCa.issue(certs, "server"), groupCa);
    List<String> operatorTls = tls(groupCa.issue(certs, "operator"), groupCa);
    List<String> intruderTls = tls(rogueCa.issue(certs, "intruder"), groupCa);
    Map<String, String> changedState = new TreeMap<>(SAVED_STATE);
    changedState.put(KEY, "changed");

    try (ClusterProcess cluster = ClusterProcess.start(dir.resolve("cluster"), 3,
        ClusterProcess.Launch.DEFAULT.with(serverTls.toArray(String[]::new)))) {
      cluster.clientOptions(operatorTls.toArray(String[]::new));

      // The operator writes and saves.
      assertThat(cluster.kvOk("load", "--keys", "3", "--prefix", "acc", "--value-size", "8"))
          .startsWith("Loaded 3 keys in ");
      Path archives = Files.createDirectories(dir.resolve("archives"));
      Path archive = archives.resolve("saved.snap");
      CliProcess.Result save = CliProcess.run(command(cluster, operatorTls, "save", archive.toString()));
      assertExit(save, 0);
      Matcher saved = SAVED.matcher(save.stdout().strip());
      assertThat(saved.matches()).as(save::describe).isTrue();
      assertThat(saved.group(1)).isEqualTo(archive.toString());
      assertThat(namesIn(archives)).as("FILE only, no FILE.part").containsExactly("saved.snap");

      // The archive verifies, while the operator moves the state on, away from the archive's.
      List<CliProcess.Result> verifyAndChange = CliProcess.concurrently(List.<Callable<CliProcess.Result>>of(
          () -> CliProcess.run("verify", archive.toString()), () -> cluster.kv("put", KEY, "changed")));
      CliProcess.Result verified = verifyAndChange.get(0);
      assertExit(verified, 0);
      assertThat(verified.stdout().strip()).as(verified::describe).isEqualTo(String.format(
          "%s: valid snapshot archive (ID %s, Index %s, Term %s, Size %s, state sha256 %s)",
          archive, saved.group(2), saved.group(3), saved.group(4), saved.group(5), saved.group(6)));
      CliProcess.Result put = verifyAndChange.get(1);
      assertExit(put, 0);
      assertThat(put.stdout().strip()).as(put::describe).isEqualTo("OK");

      // The outsiders try all three at once: a write that would change a value, a save, and a restore of the
      // operator's archive that would bring the saved state back.
      List<Outsider> outsiders = List.of(new Outsider("plaintext", List.of()), new Outsider("intruder", intruderTls));
      List<Callable<CliProcess.Result>> attempts = new ArrayList<>();
      for (Outsider o : outsiders) {
        List<String> options = new ArrayList<>(o.tls());
        options.addAll(List.of("--timeout", OUTSIDER_TIMEOUT));
        Path stolen = Files.createDirectories(dir.resolve(o.name())).resolve("stolen.snap");
        attempts.add(() -> CliProcess.run(OUTSIDER_BOUND,
            command(cluster, options, "kv", "put", KEY, "stolen")));
        attempts.add(() -> CliProcess.run(OUTSIDER_BOUND, command(cluster, options, "save", stolen.toString())));
        attempts.add(() -> CliProcess.run(OUTSIDER_BOUND, command(cluster, options, "restore", archive.toString())));
      }
      List<CliProcess.Result> refused = CliProcess.concurrently(attempts);
      String peers = cluster.peersArgument();
      for (int i = 0; i < outsiders.size(); i++) {
        String outsider = outsiders.get(i).name();
        CliProcess.Result stolenPut = refused.get(3 * i);
        CliProcess.Result stolenSave = refused.get(3 * i + 1);
        CliProcess.Result restore = refused.get(3 * i + 2);
        System.out.printf("%s: kv put refused in %d ms, save in %d ms, restore in %d ms%n", outsider,
            stolenPut.elapsed().toMillis(), stolenSave.elapsed().toMillis(), restore.elapsed().toMillis());

        assertThat(assertOneLineError(stolenPut, "kv put", 1)).as(stolenPut::describe)
            .startsWith("failed to run kv put on group ").contains(peers);
        assertThat(stolenPut.stdout()).as(stolenPut::describe).isEmpty();

        assertThat(assertOneLineError(stolenSave, "save", 1)).as(stolenSave::describe)
            .startsWith("failed to take a snapshot on group ").contains(peers);
        assertThat(stolenSave.stdout()).as(stolenSave::describe).isEmpty();
        Path stolen = dir.resolve(outsider).resolve("stolen.snap");
        assertThat(stolen).as("%s's FILE", outsider).doesNotExist();
        assertThat(stolen.resolveSibling("stolen.snap.part")).as("%s's FILE.part", outsider).doesNotExist();
        assertThat(namesIn(stolen.getParent())).as("%s's save directory", outsider).isEmpty();

        assertThat(assertOneLineError(restore, "restore", 1)).as(restore::describe)
            .startsWith("failed to begin restore ").contains(peers);
        assertThat(restore.stdout()).as(restore::describe).isEmpty();
      }
      assertThat(namesIn(archives)).as("the archive the outsiders tried to restore").containsExactly("saved.snap");

      // Every node holds the operator's latest state, as the operator reads it.
      assertStateOnEveryNode(cluster, changedState);

      // The operator restores the archive: every node returns to the saved state.
      CliProcess.Result restore = CliProcess.run(command(cluster, operatorTls, "restore", archive.toString()));
      assertExit(restore, 0);
      assertThat(restore.stdout().strip()).as(restore::describe)
          .startsWith("Restored " + archive + " into group " + cluster.group() + ": archive " + saved.group(2)
              + ", committed at this group's log index ");
      assertStateOnEveryNode(cluster, SAVED_STATE);
    }
  }

  /**
   * Asserts that every node holds exactly {@code state}: {@code kv digest --server nX} (the operator's client)
   * prints its key count and SHA-256, polled on the nodes at once since followers apply a little after the
   * leader; a state that never comes fails after {@link ClusterProcess#STARTUP}.
   */
  private static void assertStateOnEveryNode(ClusterProcess cluster, Map<String, String> state) {
    cluster.awaitDigestOnEveryNode(digest(state));
  }

  /** Returns what {@code kv digest} prints for a store holding {@code state}. */
  private static String digest(Map<String, String> state) {
    KvStore store = new KvStore();
    state.forEach(store::put);
    KvStore.Digest d = store.digest();
    return d.count() + " keys, sha256 " + d.sha256();
  }

  /** A client the group must refuse: its name (and directory), and its TLS options (none for plaintext). */
  private record Outsider(String name, List<String> tls) {}

  /** Returns {@code --tls-cert --tls-key --tls-ca} for a party holding {@code issued} and trusting {@code ca}. */
  private static List<String> tls(TestCertificates.Issued issued, TestCertificates.Authority ca) {
    return List.of("--tls-cert", issued.cert().toString(), "--tls-key", issued.key().toString(),
        "--tls-ca", ca.certFile.toString());
  }

  /** Returns {@code args... --peers ... --group ... options...}. */
  private static String[] command(ClusterProcess cluster, List<String> options, String... args) {
    List<String> all = new ArrayList<>(Arrays.asList(args));
    all.addAll(cluster.groupArguments());
    all.addAll(options);
    return all.toArray(String[]::new);
  }
}
