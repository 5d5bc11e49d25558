package io.github.ratissnapshot.archive.ratis.protocol;

import io.github.ratissnapshot.archive.format.ArchiveException;
import java.io.IOException;
import java.util.Optional;

/**
 * A server refused an archive operation, or answered in a way the client cannot read: an online restore a
 * replica could not stage, a restore that is not open, a pin that expired, a malformed reply.
 * {@link #problem()} says which class of failure it is; for an archive the servers found invalid it is
 * {@link RemoteProblem#INVALID_ARCHIVE} and {@link #archiveProblem()} names the fault (clients turn that
 * case into an {@link ArchiveException}).
 */
public class RemoteArchiveException extends IOException {
  private static final long serialVersionUID = 1L;

  private final RemoteProblem problem;
  private final String wireName;

  /**
   * Creates the exception.
   *
   * @param problem the class of failure
   * @param message what went wrong, as the server or client says it
   */
  public RemoteArchiveException(RemoteProblem problem, String message) {
    this(problem.name(), problem, message);
  }

  private RemoteArchiveException(String wireName, RemoteProblem problem, String message) {
    super(message);
    this.wireName = wireName;
    this.problem = problem;
  }

  /**
   * Recreates the exception a server described by its wire name.
   *
   * @param wireName the problem's name as it travelled
   * @param message the server's message
   * @return the exception
   */
  public static RemoteArchiveException fromWire(String wireName, String message) {
    return new RemoteArchiveException(wireName, RemoteProblem.ofWireName(wireName), message);
  }

  /** Returns the class of failure. */
  public RemoteProblem problem() {
    return problem;
  }

  /** Returns the problem's name as it travels on the wire (an archive problem's own name for invalid archives). */
  public String wireName() {
    return wireName;
  }

  /** Returns the archive problem when the servers rejected the archive itself. */
  public Optional<ArchiveException.Problem> archiveProblem() {
    return Optional.ofNullable(RemoteProblem.archiveProblem(wireName));
  }
}
