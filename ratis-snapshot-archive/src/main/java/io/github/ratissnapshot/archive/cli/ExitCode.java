package io.github.ratissnapshot.archive.cli;

/** The exit codes of {@code ratis-snapshot}, as scripts rely on them. */
public final class ExitCode {
  /** The command did what it was asked. */
  public static final int OK = 0;
  /** An operational failure: I/O, an unreachable cluster, a timeout, a refused request. */
  public static final int FAILURE = 1;
  /** The command line is wrong. */
  public static final int USAGE = 2;
  /** The archive is invalid or corrupt. */
  public static final int INVALID_ARCHIVE = 3;

  private ExitCode() {}
}
