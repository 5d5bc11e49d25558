package io.github.ratissnapshot.archive.ratis.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The two operations an application provides to get archives, native Ratis snapshots, online and offline
 * restore: write its whole state, and replace its whole state. The bytes one writes are the bytes the
 * other reads; they become {@code state.bin} in archives and the native snapshot file
 * {@code sm/snapshot.<term>_<index>}.
 *
 * <p>Both are called on Ratis's state-machine updater thread, never concurrently with each other or with
 * the application's own updates; queries may run concurrently on other threads, and must see either the
 * old state or the new one.
 */
public interface ArchivableState {
  /**
   * Writes the whole state, as of the last applied entry, to {@code out}.
   *
   * @param out where the state goes; buffered by the caller; do not close it
   * @throws IOException if the state cannot be written; the snapshot is then abandoned
   */
  void writeState(OutputStream out) throws IOException;

  /**
   * Replaces the whole state with the one read from {@code in}, all or nothing: read and check the whole
   * stream into a new state, then swap it in. If this throws, the previous state must be intact, because
   * a failed online restore keeps the group running on it.
   *
   * @param in a state written by {@link #writeState}, already verified against the archive's or the
   *     snapshot's checksum; read it to its end; do not close it
   * @throws IOException if the stream is not a state of this application; the old state must remain
   */
  void replaceState(InputStream in) throws IOException;
}
