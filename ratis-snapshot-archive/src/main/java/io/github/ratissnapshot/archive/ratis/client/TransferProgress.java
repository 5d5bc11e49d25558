package io.github.ratissnapshot.archive.ratis.client;

/**
 * Told how far a save or a restore has come: bytes transferred, and what it is doing while no bytes move
 * (a server taking its snapshot, the replicas verifying the archive, the commit). Calls arrive in order, from
 * the thread running the operation.
 */
@FunctionalInterface
public interface TransferProgress {
  /** A listener that ignores progress. */
  TransferProgress NONE = (done, total) -> { };

  /**
   * Reports progress.
   *
   * @param done bytes transferred so far
   * @param total bytes to transfer in all
   */
  void update(long done, long total);

  /**
   * Reports what the operation is doing now, for a person: {@code "n1 taking a snapshot"},
   * {@code "n1 ready, n2 verifying, n3 staging 40%"}, {@code "committing"}. Until the next call, or the next
   * {@link #update}, this is the operation's state. Ignored by default.
   *
   * @param description one short line
   */
  default void phase(String description) {}
}
