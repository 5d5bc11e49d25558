package io.github.ratissnapshot.archive.ratis.protocol;

import java.io.IOException;
import java.util.UUID;

/**
 * An application write reached the log while an online restore was open, and was refused: it would
 * otherwise be applied to the state that the restore is about to replace, and lost. Clients see it as
 * the cause of a {@code StateMachineException}; retry after the restore ends.
 */
public class RestoreInProgressException extends IOException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param restoreId the open restore
   */
  public RestoreInProgressException(UUID restoreId) {
    super("write refused: online restore " + restoreId + " is in progress; retry when it has finished");
  }

  /**
   * Recreates the exception from its message. Ratis's client rebuilds a state machine's exception by
   * reflection from its class name and message through this constructor; without it the client would see
   * a {@code StateMachineException} with no cause.
   *
   * @param message the message of the exception the server raised
   */
  public RestoreInProgressException(String message) {
    super(message);
  }
}
