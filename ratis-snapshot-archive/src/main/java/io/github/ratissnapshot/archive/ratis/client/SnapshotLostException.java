package io.github.ratissnapshot.archive.ratis.client;

import java.io.IOException;
import org.apache.ratis.protocol.RaftPeerId;

/**
 * The server whose snapshot a save was pulling can no longer serve it: it restarted (its pins are gone with
 * it), stopped answering, or let the pin expire. Nothing is wrong with the group's state; the bytes the save
 * wrote so far must be discarded, and a save started again from scratch takes a fresh snapshot on the
 * current leader. {@link SaveClient#save} does that by itself; a caller of {@link SaveClient#writeTo}, whose
 * stream cannot be taken back, does it (as {@code ratis-snapshot save} does, into an emptied {@code .part}
 * file) or gives up.
 */
public class SnapshotLostException extends IOException {
  private static final long serialVersionUID = 1L;

  private final transient RaftPeerId server;

  /**
   * Creates the exception.
   *
   * @param server the server that held the snapshot
   * @param message what happened, naming the server
   * @param cause the failure that showed it
   */
  public SnapshotLostException(RaftPeerId server, String message, Throwable cause) {
    super(message, cause);
    this.server = server;
  }

  /** Returns the server that held the snapshot. */
  public RaftPeerId server() {
    return server;
  }

  /**
   * Returns the line that says a save starts over after this loss.
   *
   * @param attempt the attempt about to start, from 2
   * @param attempts how many attempts there are in all
   * @return such as "server n2 lost the snapshot being pulled: ...; starting over from a fresh snapshot
   *     (attempt 2 of 3)"
   */
  public String startingOver(int attempt, int attempts) {
    return getMessage() + "; starting over from a fresh snapshot (attempt " + attempt + " of " + attempts + ")";
  }

  /**
   * Returns what a save throws when it stops starting over after this loss.
   *
   * @param attempts how many attempts, this one the last, lost their snapshot
   * @return an exception for the same server, its message "every one of the N attempts lost the snapshot it
   *     pulled; the last: " and this one's, with this one as its cause
   */
  public SnapshotLostException afterAttempts(int attempts) {
    return new SnapshotLostException(server, "every one of the " + attempts + " attempts lost the snapshot it "
        + "pulled; the last: " + getMessage(), this);
  }

  /**
   * Finds a loss of the snapshot among the causes of a failure (the archive writer may wrap what its source
   * threw).
   *
   * @param failure what a save threw
   * @return the loss, or null if the failure is of another kind
   */
  public static SnapshotLostException in(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof SnapshotLostException lost) {
        return lost;
      }
    }
    return null;
  }
}
