package io.github.ratissnapshot.archive.ratis.client;

/** Told how far a transfer has come; called from the transferring thread. */
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
}
