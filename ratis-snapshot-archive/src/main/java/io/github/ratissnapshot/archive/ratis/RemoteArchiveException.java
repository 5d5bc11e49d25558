package io.github.ratissnapshot.archive.ratis;

import java.io.IOException;
import java.util.Optional;
import io.github.ratissnapshot.archive.format.ArchiveException;

/**
 * A server refused an archive operation: an online restore whose archive failed verification on the
 * replicas, a restore that is not open, a pin that expired. {@link #problem()} names the class of
 * failure as the server saw it; for an invalid archive it is the name of an
 * {@link ArchiveException.Problem}, and {@link #archiveProblem()} returns it.
 */
public class RemoteArchiveException extends IOException {
  private static final long serialVersionUID = 1L;

  /** The problem name for a restore that the server does not have open. */
  public static final String NOT_OPEN = "NOT_OPEN";
  /** The problem name for an application whose state could not take the archive's state. */
  public static final String STATE_REJECTED = "STATE_REJECTED";
  /** The problem name for a snapshot pin that does not exist or expired. */
  public static final String NO_SUCH_PIN = "NO_SUCH_PIN";
  /** The problem name for a server that has no snapshot to pin. */
  public static final String NO_SNAPSHOT = "NO_SNAPSHOT";
  /** The problem name for chunks that did not arrive as the client sent them (order, count, hash). */
  public static final String TRANSFER = "TRANSFER";
  /** The problem name for a replica that could not stage the archive (disk full, say). */
  public static final String LOCAL_FAILURE = "LOCAL_FAILURE";
  /** The problem name for an I/O failure on the server. */
  public static final String IO = "IO";

  private final String problem;

  /**
   * Creates the exception.
   *
   * @param problem the class of failure, as the server named it
   * @param message the server's message
   */
  public RemoteArchiveException(String problem, String message) {
    super(message);
    this.problem = problem;
  }

  /** Returns the class of failure as the server named it. */
  public String problem() {
    return problem;
  }

  /** Returns the archive problem when the server rejected the archive itself. */
  public Optional<ArchiveException.Problem> archiveProblem() {
    for (ArchiveException.Problem p : ArchiveException.Problem.values()) {
      if (p.name().equals(problem)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }
}
