package io.github.ratissnapshot.archive.ratis.client;

import java.io.IOException;

/** Faults the integration tests inject into a client from outside its package. */
public final class ClientFaults {
  private ClientFaults() {}

  /**
   * Closes the Ratis client a restore is using now, as Ratis does when the connection to the server it talks
   * to breaks: its next request fails with an {@code AlreadyClosedException}.
   *
   * @param restore the restore client
   * @throws IOException if closing fails
   */
  public static void closeConnection(RestoreClient restore) throws IOException {
    restore.clients().current().close();
  }
}
