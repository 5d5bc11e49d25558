package io.github.ratissnapshot.archive.ratis.protocol;

/** How far one replica got with an online restore. */
public enum RestoreStage {
  /** No restore with that id is open here. */
  NONE,
  /** Chunks are arriving. */
  STAGING,
  /** The whole archive arrived, verified, and its state is extracted: ready to commit. */
  READY,
  /** The archive or its transfer is invalid; every replica reaches the same verdict. */
  INVALID,
  /** This replica could not stage or extract the archive (disk full, I/O error). */
  LOCAL_FAILURE;

  /** Returns whether this stage ends the restore in failure (the client aborts on it). */
  public boolean isFailure() {
    return this == INVALID || this == LOCAL_FAILURE;
  }
}
