package io.github.ratissnapshot.examples;

import static io.github.ratissnapshot.examples.CliAssertions.assertExit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent under real faults, each a real process: its scratch disk fills up mid-save, the leader it saves
 * from is SIGKILLed mid-save. Each time the cycle fails with one line, nothing is published or left behind,
 * and the next cycle publishes an archive that verifies.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class AgentFaultsIT {
  private static final Pattern PUBLISHED = Pattern.compile("^\\S+Z published term \\d+ index \\d+ \\(.+\\) to .+ in [\\d.]+ s$");

  private static List<String> agentOnce(ClusterProcess cluster, String... more) {
    List<String> args = new ArrayList<>(List.of("agent", "--once", "--no-lease"));
    args.addAll(cluster.groupArguments());
    args.addAll(List.of(more));
    return CliProcess.jarCommand(args.toArray(String[]::new));
  }

  private static List<Path> files(Path dir) throws Exception {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).sorted().toList();
    }
  }

  private static void assertPublishesAndVerifies(ClusterProcess cluster, Path store) throws Exception {
    CliProcess.Result next = CliProcess.exec(agentOnce(cluster, "--to", store.toString()), Map.of(),
        Duration.ofMinutes(5));
    assertExit(next, 0);
    assertThat(PUBLISHED.matcher(next.stdoutLines().get(0)).matches()).as(next::describe).isTrue();
    List<Path> archives = files(store).stream().filter(p -> p.toString().endsWith(".snap")).toList();
    assertThat(archives).hasSize(1);
    assertExit(CliProcess.run("verify", archives.get(0).toString()), 0);
  }

  @Test
  void aScratchDiskThatFillsUpMidSaveFailsTheCycleAndLeavesNothing(@TempDir Path dir) throws Exception {
    String why = PrivateMount.unavailableReason(dir);
    assumeTrue(why == null, () -> "the agent's scratch needs a small tmpfs (unshare -m, mount -t tmpfs): " + why);
    Path store = dir.resolve("store");
    Path scratch = Files.createDirectories(dir.resolve("scratch"));
    try (ClusterProcess cluster = ClusterProcess.start(dir.resolve("cluster"), 3)) {
      cluster.kvOk("load", "--keys", "20000", "--value-size", "200", "--prefix", "full/");

      CliProcess.Result r = PrivateMount.run(PrivateMount.TINY_TMPFS, scratch,
          agentOnce(cluster, "--to", store.toString(), "--scratch", scratch.toString()));

      assertExit(r, 1);
      assertThat(r.stdoutLines()).as(r::describe).hasSize(2);
      assertThat(r.stdoutLines().get(0)).matches("^\\S+Z FAILED at save: .*" + Pattern.quote(scratch.toString())
          + ".*No space left on device.*");
      assertThat(r.stdoutLines().get(1)).as("what the agent left on its full scratch disk")
          .isEqualTo("LEFT:ratis-snapshot-agent-" + cluster.group() + " ");
      assertThat(files(store)).as("the store").isEmpty();

      assertPublishesAndVerifies(cluster, store);
    }
  }

  @Test
  void anAgentKilledMidSaveLeavesNothingAndALeaderKilledMidSaveCostsTheCycleAStartOverNotTheArchive(
      @TempDir Path dir) throws Exception {
    Map<String, String> peers = ClusterProcess.freePeers(3);
    Path store = dir.resolve("store");
    Path scratch = Files.createDirectories(dir.resolve("scratch"));
    try (ClusterProcess cluster = ClusterProcess.startNodes(peers, java.util.UUID.randomUUID(),
        ClusterProcess.storageUnder(dir.resolve("nodes"), peers), dir.resolve("logs"),
        ClusterProcess.Launch.DEFAULT.blob().jvm("-Xmx256m"))) {
      cluster.blobOk("generate", "--size", "256MiB", "--seed", "4");
      List<String> agentOnce = agentOnce(cluster, "--to", store.toString(), "--scratch", scratch.toString());

      Process killed = CliProcess.start(agentOnce, Map.of(), dir.resolve("killed.out"), dir.resolve("killed.err"));
      awaitSaving(killed, scratch, List.of());
      killed.destroyForcibly().waitFor(); // SIGKILL the agent mid-save
      List<Path> left = temporaryArchives(scratch);
      assertThat(left).as("the killed agent's scratch file").hasSize(1);

      String leader = cluster.leader(Duration.ofSeconds(30));
      Process agent = CliProcess.start(agentOnce, Map.of(), dir.resolve("agent.out"), dir.resolve("agent.err"));
      awaitSaving(agent, scratch, left);
      assertThat(left.get(0)).as("the first cycle removes what the killed agent left").doesNotExist();
      cluster.kill(leader); // SIGKILL the server the archive streams from; it stays down
      assertThat(agent.waitFor(3, TimeUnit.MINUTES)).as("the agent's cycle ends").isTrue();
      String out = Files.readString(dir.resolve("agent.out"));

      assertThat(agent.exitValue()).as(out).isEqualTo(0);
      assertThat(out.lines().toList()).hasSize(1);
      // The save lost the snapshot with the leader and started over from the next leader's, within the cycle.
      assertThat(out.lines().findFirst().orElseThrow()).matches("^\\S+Z published term \\d+ index \\d+ \\(.+\\) to "
          + ".+ in [\\d.]+ s; failed to read the snapshot from server " + leader + " on group .*; starting over from "
          + "a fresh snapshot \\(attempt 2 of 3\\)$");
      List<Path> archives = files(store).stream().filter(p -> p.toString().endsWith(".snap")).toList();
      assertThat(archives).as("the store after the cycle").hasSize(1);
      assertExit(CliProcess.run("verify", archives.get(0).toString()), 0);
      assertThat(temporaryArchives(scratch)).as("the scratch directory after the cycle").isEmpty();
    }
  }

  @Test
  void anEmptyGroupSkipsAndAfterEveryServerRestartsNothingChangedStillSkips(@TempDir Path dir) throws Exception {
    Map<String, String> peers = ClusterProcess.freePeers(3);
    Path store = dir.resolve("store");
    try (ClusterProcess cluster = ClusterProcess.startNodes(peers, java.util.UUID.randomUUID(),
        ClusterProcess.storageUnder(dir.resolve("nodes"), peers), dir.resolve("logs"))) {
      CliProcess.Result empty = CliProcess.exec(agentOnce(cluster, "--to", store.toString()), Map.of(),
          CliProcess.DEFAULT_TIMEOUT);
      assertExit(empty, 0);
      assertThat(empty.stdoutLines().get(0)).matches("^\\S+Z skipped: the group has no state to archive yet .*");
      assertThat(files(store)).isEmpty();

      cluster.kvOk("put", "restart/1", "one");
      assertPublishesAndVerifies(cluster, store);
      String archive = files(store).stream().filter(p -> p.toString().endsWith(".snap")).findFirst().orElseThrow()
          .getFileName().toString();
      for (String id : cluster.ids()) {
        cluster.kill(id);
      }
      for (String id : cluster.ids()) {
        cluster.restart(id);
      }

      CliProcess.Result again = CliProcess.exec(agentOnce(cluster, "--to", store.toString()), Map.of(),
          CliProcess.DEFAULT_TIMEOUT);
      assertExit(again, 0);
      assertThat(again.stdoutLines().get(0)).as("after every server restarted, read from their logs and "
          + "snapshots").matches("^\\S+Z skipped: nothing changed since " + Pattern.quote(archive) + " .*");

      cluster.kvOk("put", "restart/2", "two");
      Thread.sleep(1100); // names are to the second
      CliProcess.Result changed = CliProcess.exec(agentOnce(cluster, "--to", store.toString()), Map.of(),
          CliProcess.DEFAULT_TIMEOUT);
      assertExit(changed, 0);
      assertThat(PUBLISHED.matcher(changed.stdoutLines().get(0)).matches()).as(changed::describe).isTrue();
      assertThat(files(store).stream().filter(p -> p.toString().endsWith(".snap"))).hasSize(2);
    }
  }

  @Test
  void anUnreachableGroupFailsTheCycleWithOneLineAndWritesNothing(@TempDir Path dir) throws Exception {
    Path store = dir.resolve("store");
    int[] ports = FreePorts.any(3);
    CliProcess.Result r = CliProcess.exec(CliProcess.jarCommand("agent", "--once", "--to", store.toString(),
        "--peers", "n1=127.0.0.1:" + ports[0] + ",n2=127.0.0.1:" + ports[1] + ",n3=127.0.0.1:" + ports[2],
        "--group", "02511d59-1a25-4ae6-a2d0-6c48e3a4d2b1", "--timeout", "5s"), Map.of(), CliProcess.DEFAULT_TIMEOUT);

    assertExit(r, 1);
    assertThat(r.stdoutLines()).as(r::describe).hasSize(1);
    assertThat(r.stdoutLines().get(0)).matches("^\\S+Z FAILED at lease: .*");
    assertThat(files(store)).isEmpty();
  }

  /** Waits until the agent has written 4 MiB of an archive (not one of {@code others}) into its scratch directory. */
  private static void awaitSaving(Process agent, Path scratch, List<Path> others) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (temporaryArchives(scratch).stream().filter(p -> !others.contains(p)).mapToLong(p -> p.toFile().length())
        .sum() < (4L << 20)) {
      assertThat(agent.isAlive()).as("the agent is still saving").isTrue();
      assertThat(System.nanoTime()).as("4 MiB of the archive in the scratch directory").isLessThan(deadline);
      Thread.sleep(5);
    }
  }

  private static List<Path> temporaryArchives(Path scratch) throws Exception {
    return files(scratch).stream().filter(p -> p.getFileName().toString().endsWith(".snap.tmp")).toList();
  }
}
