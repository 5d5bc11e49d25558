package io.github.ratissnapshot.archive.ratis.client;

import java.io.IOException;
import java.util.UUID;

/**
 * The client sent a restore's {@code COMMIT} and then lost contact with the group, so it cannot tell
 * whether the group swapped in the archive's state: every replica did, or none did, but which is unknown.
 * Check the servers (their last restore, the state) before retrying; a retry of the same archive is safe
 * either way, a different action may not be.
 */
public class RestoreOutcomeUnknownException extends IOException {
  private static final long serialVersionUID = 1L;

  private final UUID restoreId;

  /**
   * Creates the exception.
   *
   * @param restoreId the restore whose outcome is unknown
   * @param cause why the reply to {@code COMMIT} never came
   */
  public RestoreOutcomeUnknownException(UUID restoreId, Throwable cause) {
    super("the outcome of restore " + restoreId + " is unknown: COMMIT was sent but no reply came ("
        + Causes.message(cause) + ")", cause);
    this.restoreId = restoreId;
  }

  /** Returns the restore whose outcome is unknown. */
  public UUID restoreId() {
    return restoreId;
  }
}
