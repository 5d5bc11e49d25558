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
   * Reports what the operation is doing now: its stage, for a program, and a line for a person:
   * {@code "n1 taking a snapshot"}, {@code "n1 ready, n2 verifying, n3 staging 40%"}, {@code "committing"}.
   * Until the next call, or the next {@link #update}, this is the operation's state. A stage may be reported
   * more than once (a restore reports each member's progress while it verifies). Ignored by default.
   *
   * @param stage where the operation is; the wording of {@code description} may change between releases, the
   *     stages do not
   * @param description one short line
   */
  default void phase(Stage stage, String description) {}

  /**
   * Reports that a save starts over from a fresh snapshot, and why ({@link SaveClient#save} after a
   * {@link SnapshotLostException}); the bytes reported so far no longer count. By default reported as the
   * {@link Stage#SNAPSHOT} phase.
   *
   * @param why one line: the loss, then "; starting over from a fresh snapshot (attempt N of M)"
   */
  default void startingOver(String why) {
    phase(Stage.SNAPSHOT, why);
  }

  /** The stages of a save or a restore that move no bytes of state, in the order they come. */
  enum Stage {
    /** Save: a server is taking the snapshot to archive. */
    SNAPSHOT,
    /** Save: the snapshot is taken; its bytes are pulled and archived (reported with {@link #update}). */
    PULL,
    /** Restore: every chunk is sent; the servers stage and verify the archive. */
    VERIFY,
    /** Restore: the servers that must be are ready; the commit is under way. */
    COMMIT
  }
}
