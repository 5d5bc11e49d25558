package io.github.ratissnapshot.examples;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs a command under a mount that only it sees: {@code unshare -m sh -c <script> sh <dir> <command...>},
 * where the script mounts something on {@code <dir>} and then runs the command ({@code "$@"} after a
 * {@code shift}). The mount disappears with the namespace, so nothing outside the child is affected.
 * Needs {@code unshare} and the right to mount (root, or CAP_SYS_ADMIN); tests skip when it is refused.
 */
final class PrivateMount {
  /** The exit code a script returns when its mount is refused. */
  static final int MOUNT_REFUSED = 97;

  /** The script that mounts a 64 KiB tmpfs on the directory, runs the command, then lists what is left. */
  static final String TINY_TMPFS = """
      mount -t tmpfs -o size=64k tmpfs "$1" || exit 97
      dir="$1"; shift
      "$@"; rc=$?
      echo "LEFT:$(ls -A "$dir" | tr '\\n' ' ')"
      exit $rc
      """;

  /** The script that makes the directory read-only (a read-only bind mount over itself), then runs the command. */
  static final String READ_ONLY = """
      mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" || exit 97
      shift
      "$@"
      """;

  /**
   * The script that mounts a tmpfs of the size in {@code $1} on the directory in {@code $2}, then replaces
   * itself with the command ({@code exec}), so that the command keeps the process id and a kill reaches it.
   */
  static final String SIZED_TMPFS = """
      mount -t tmpfs -o size="$1" tmpfs "$2" || exit 97
      shift 2
      exec "$@"
      """;

  private PrivateMount() {}

  /**
   * Returns a command line that runs {@code command} with a private tmpfs of {@code size} (such as
   * {@code 100m}) on {@code dir}: only the command sees it, and it disappears with the command. For
   * long-running commands; the process id is the command's.
   */
  static List<String> onTmpfs(Path dir, String size, List<String> command) {
    List<String> all = new ArrayList<>(List.of("unshare", "-m", "sh", "-c", SIZED_TMPFS, "sh", size, dir.toString()));
    all.addAll(command);
    return all;
  }

  /** Returns why private mounts cannot be used here, or null if they can. */
  static String unavailableReason(Path scratch) {
    try {
      Path probe = Files.createTempDirectory(scratch, "mount-probe");
      CliProcess.Result r = run(TINY_TMPFS, probe, List.of("true"));
      return r.exitCode() == 0 ? null : "unshare -m with a tmpfs mount is not permitted here: " + r.describe();
    } catch (IOException | UncheckedIOException e) {
      return "unshare could not be run: " + e;
    }
  }

  /** Runs {@code command} under {@code script} with {@code dir} as the mount point. */
  static CliProcess.Result run(String script, Path dir, List<String> command) {
    List<String> all = new ArrayList<>(List.of("unshare", "-m", "sh", "-c", script, "sh", dir.toString()));
    all.addAll(command);
    return CliProcess.exec(all, Map.of(), CliProcess.DEFAULT_TIMEOUT);
  }
}
