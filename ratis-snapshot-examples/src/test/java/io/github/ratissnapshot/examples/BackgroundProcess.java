package io.github.ratissnapshot.examples;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A long-running {@code ratis-snapshot} process, such as {@code cluster start} or {@code cluster node}:
 * started with its output in {@code <logDir>/<name>.out|.err}, considered up once a line of its standard
 * output matches a pattern, and stopped by {@link #close()} (SIGTERM, then SIGKILL if it lingers).
 *
 * <p>The caller closes it, in a {@code finally} or {@code @AfterAll}; a process whose start fails is
 * destroyed before the failure is thrown.
 */
final class BackgroundProcess implements AutoCloseable {
  private static final Duration STOP_GRACE = Duration.ofSeconds(10);

  private final String name;
  private final Process process;
  private final Path out;
  private final Path err;

  private BackgroundProcess(String name, Process process, Path out, Path err) {
    this.name = name;
    this.process = process;
    this.out = out;
    this.err = err;
  }

  /**
   * Starts {@code java -jar <jar> args...} without waiting for it.
   *
   * @param name names the log files and messages
   * @param logDir where the output goes
   * @param args the command's arguments
   * @return the running process
   */
  static BackgroundProcess launch(String name, Path logDir, String... args) {
    return launchCommand(name, logDir, CliProcess.jarCommand(args));
  }

  /**
   * Starts any command without waiting for it, such as the jar under a wrapper ({@code unshare ...}) or with
   * JVM options; its output goes to {@code <logDir>/<name>.out|.err}.
   */
  static BackgroundProcess launchCommand(String name, Path logDir, List<String> command) {
    try {
      Files.createDirectories(logDir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Path out = logDir.resolve(name + ".out");
    Path err = logDir.resolve(name + ".err");
    return new BackgroundProcess(name, CliProcess.start(command, Map.of(), out, err), out, err);
  }

  /**
   * Waits until a line of standard output matches {@code ready}; stops the process and fails the test if
   * it exits first or {@code timeout} passes.
   *
   * @return the matching line
   */
  String awaitLine(Pattern ready, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      for (String line : stdout().lines().toList()) {
        if (ready.matcher(line).find()) {
          return line;
        }
      }
      if (!process.isAlive()) {
        fail("%s exited with %d before printing a line matching /%s/%n%s", name, process.exitValue(), ready,
            describe());
      }
      if (System.nanoTime() > deadline) {
        String state = describe();
        close();
        fail("%s printed no line matching /%s/ within %s%n%s", name, ready, timeout, state);
      }
      sleep(50);
    }
  }

  /** Returns standard output so far. */
  String stdout() {
    return CliProcess.readSoFar(out);
  }

  /** Returns standard error so far. */
  String stderr() {
    return CliProcess.readSoFar(err);
  }

  /** Returns whether the process still runs. */
  boolean isAlive() {
    return process.isAlive();
  }

  /** Describes the process and its output, for assertion messages. */
  String describe() {
    return String.format("%s (pid %d, %s)%n  stdout: %s%n  stderr: %s", name, process.pid(),
        process.isAlive() ? "running" : "exit " + process.exitValue(), CliProcess.tail(stdout()),
        CliProcess.tail(stderr()));
  }

  /** Returns the process id. */
  long pid() {
    return process.pid();
  }

  /**
   * Kills the process and its descendants with SIGKILL, as a crash does (no shutdown hook runs), and waits
   * until it is gone; fails the test if it is still there after a grace period.
   */
  void kill() {
    CliProcess.destroyTree(process, true);
    try {
      if (!process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        fail("%s (pid %d) survived SIGKILL for %s", name, process.pid(), STOP_GRACE);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** Stops the process: SIGTERM, and SIGKILL if it has not exited after a grace period. Idempotent. */
  @Override
  public void close() {
    if (!process.isAlive()) {
      return;
    }
    CliProcess.destroyTree(process, false);
    try {
      if (!process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        CliProcess.destroyTree(process, true);
        process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      CliProcess.destroyTree(process, true);
      Thread.currentThread().interrupt();
    }
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
