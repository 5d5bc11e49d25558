package io.github.ratissnapshot.examples;

import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real {@code ratis-snapshot} jar ({@code java -jar <jar>}, the jar from system property
 * {@code ratis.snapshot.jar}, the {@code java} of this JVM) or any other command as a child process, with a
 * timeout, and captures its exit code, standard output and standard error.
 *
 * <p>Output goes to temporary files, so a chatty child never blocks on a full pipe. Every child started
 * here is destroyed when this JVM exits, even if a test forgot to or the test JVM is stopped; a child
 * that outlives its timeout is killed together with its descendants.
 */
final class CliProcess {
  /** How long one command may take unless a test says otherwise. */
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(90);

  private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(p -> destroyTree(p, true)),
        "destroy-test-children"));
  }

  private CliProcess() {}

  /** What a finished command did. */
  record Result(List<String> command, int exitCode, String stdout, String stderr, Duration elapsed) {
    /** Returns standard error's lines. */
    List<String> stderrLines() {
      return stderr.lines().toList();
    }

    /** Returns standard output's lines. */
    List<String> stdoutLines() {
      return stdout.lines().toList();
    }

    /** Describes the run, for assertion messages. */
    String describe() {
      return String.format("%s%n  exit %d after %d ms%n  stdout: %s%n  stderr: %s", String.join(" ", command),
          exitCode, elapsed.toMillis(), tail(stdout), tail(stderr));
    }
  }

  /** Returns the runnable jar under test. */
  static Path jar() {
    return Path.of(requiredProperty("ratis.snapshot.jar"));
  }

  /** Returns the {@code java} binary of this JVM, so children run on the same JDK. */
  static String javaBinary() {
    return ProcessHandle.current().info().command()
        .orElseGet(() -> Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  /**
   * Returns {@code java -XX:TieredStopAtLevel=1 -XX:-UsePerfData -jar <jar> args...}. The first flag (the
   * quick JIT compiler only) changes no behaviour; it cuts the CPU time of each process's start by about a
   * third, which is most of what these tests spend on two cores. The second keeps the JVM from writing
   * {@code /tmp/hsperfdata_<user>/<pid>}: when a SIGKILLed process's pid was reused, the new JVM printed
   * "Cannot use file /tmp/hsperfdata_root/… because it is locked" on standard output, in front of the
   * command's own output (it broke a soak run's fingerprint comparison).
   */
  static List<String> jarCommand(String... args) {
    return jarCommand(List.of(), args);
  }

  /** Returns {@code java <the flags above> <jvmOptions...> -jar <jar> args...}, such as a heap limit. */
  static List<String> jarCommand(List<String> jvmOptions, String... args) {
    List<String> command = new ArrayList<>(List.of(javaBinary(), "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData"));
    command.addAll(jvmOptions);
    command.addAll(List.of("-jar", jar().toString()));
    command.addAll(Arrays.asList(args));
    return command;
  }

  /** Runs {@code java -jar <jar> args...} with the default timeout. */
  static Result run(String... args) {
    return run(DEFAULT_TIMEOUT, args);
  }

  /** Runs {@code java -jar <jar> args...}. */
  static Result run(Duration timeout, String... args) {
    return exec(jarCommand(args), Map.of(), timeout);
  }

  /** Runs several {@code java -jar <jar> args...} at once (they must be independent); results in order. */
  static List<Result> runConcurrently(List<List<String>> argLists) {
    return concurrently(argLists.stream().map(a -> (Callable<Result>) () -> run(a.toArray(String[]::new))).toList());
  }

  /**
   * Runs independent tasks, each on its own thread, and returns their results in order; a task's assertion
   * failure is rethrown as is. Child processes spend most of their time starting a JVM or waiting on the
   * network, so running a few at once saves wall time even on two cores.
   */
  static <T> List<T> concurrently(List<Callable<T>> tasks) {
    ExecutorService executor = Executors.newFixedThreadPool(Math.max(1, tasks.size()));
    try {
      List<T> results = new ArrayList<>();
      for (Future<T> f : executor.invokeAll(tasks)) {
        try {
          results.add(f.get());
        } catch (ExecutionException e) {
          if (e.getCause() instanceof Error err) {
            throw err;
          }
          if (e.getCause() instanceof RuntimeException re) {
            throw re;
          }
          throw new IllegalStateException(e.getCause());
        }
      }
      return results;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } finally {
      executor.shutdownNow();
    }
  }

  /**
   * Runs a command and waits for it; fails the test if it does not finish within {@code timeout} (the
   * command and its descendants are then killed).
   *
   * @param command the program and its arguments
   * @param environment variables to add to this JVM's environment
   * @param timeout how long it may take
   * @return what it did
   */
  static Result exec(List<String> command, Map<String, String> environment, Duration timeout) {
    Path out = null;
    Path err = null;
    try {
      out = Files.createTempFile("cli-", ".out");
      err = Files.createTempFile("cli-", ".err");
      long start = System.nanoTime();
      Process p = start(command, environment, out, err);
      boolean finished;
      try {
        finished = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        finished = false;
      } finally {
        if (p.isAlive()) {
          destroyTree(p, true);
        }
        LIVE.remove(p);
      }
      Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
      Result r = new Result(command, finished ? p.exitValue() : -1, Files.readString(out), Files.readString(err),
          elapsed);
      if (!finished) {
        fail("did not finish within %s, killed: %s", timeout, r.describe());
      }
      return r;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      deleteQuietly(out);
      deleteQuietly(err);
    }
  }

  /**
   * Starts a command with its output going to files; the caller waits for it or destroys it (it is also
   * destroyed when this JVM exits).
   */
  static Process start(List<String> command, Map<String, String> environment, Path stdout, Path stderr) {
    ProcessBuilder pb = new ProcessBuilder(command)
        .redirectOutput(stdout.toFile())
        .redirectError(stderr.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    pb.environment().putAll(environment);
    try {
      Process p = pb.start();
      LIVE.add(p);
      p.onExit().thenRun(() -> LIVE.remove(p));
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException("failed to start " + String.join(" ", command), e);
    }
  }

  /** Stops a process and its descendants: SIGTERM, or SIGKILL when {@code forcibly}. */
  static void destroyTree(Process p, boolean forcibly) {
    p.descendants().forEach(d -> {
      if (forcibly) {
        d.destroyForcibly();
      } else {
        d.destroy();
      }
    });
    if (forcibly) {
      p.destroyForcibly();
    } else {
      p.destroy();
    }
  }

  /** Returns at most the last 40 lines of {@code text}, for messages. */
  static String tail(String text) {
    List<String> lines = text.lines().toList();
    List<String> last = lines.subList(Math.max(0, lines.size() - 40), lines.size());
    return last.isEmpty() ? "(empty)" : String.join(System.lineSeparator() + "    ", last);
  }

  /** Reads a file that a child writes, as text so far; empty if it does not exist. */
  static String readSoFar(Path file) {
    try {
      return Files.exists(file) ? new String(Files.readAllBytes(file), StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String requiredProperty(String name) {
    String v = System.getProperty(name);
    if (v == null || v.isBlank()) {
      fail("system property %s is not set: run these tests with `mvn verify` (failsafe sets it)", name);
    }
    return v;
  }

  private static void deleteQuietly(Path p) {
    if (p != null) {
      try {
        Files.deleteIfExists(p);
      } catch (IOException ignored) {
        // a temporary file; the OS cleans it up eventually
      }
    }
  }
}
