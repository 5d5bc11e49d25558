package io.github.ratissnapshot.archive.ratis.server;

import io.github.ratissnapshot.archive.format.Configuration;
import io.github.ratissnapshot.archive.format.SnapshotMeta;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/**
 * A native snapshot held for reading: its file cannot be deleted by retention or replaced by an
 * InstallSnapshot until {@link #close()}. Carries what {@code meta.json} needs.
 *
 * <p>The caller must close it. Thread-safe.
 */
final class PinnedSnapshot implements Closeable {
  private final long term;
  private final long index;
  private final long size;
  private final Configuration configuration;
  private final long configurationIndex;
  private final Path path;
  private final Closeable release;

  PinnedSnapshot(long term, long index, long size, Configuration configuration, long configurationIndex,
      Path path, Closeable release) {
    this.term = term;
    this.index = index;
    this.size = size;
    this.configuration = configuration;
    this.configurationIndex = configurationIndex;
    this.path = path;
    this.release = release;
  }

  /** Returns the term of the snapshot's last entry. */
  public long term() {
    return term;
  }

  /** Returns the index of the snapshot's last entry. */
  public long index() {
    return index;
  }

  /** Returns the number of bytes of state. */
  public long size() {
    return size;
  }

  /** Returns the group's configuration in force at the snapshot's index. */
  public Configuration configuration() {
    return configuration;
  }

  /** Returns the log index of that configuration (at most {@link #index()}), 0 when it is the group's first. */
  public long configurationIndex() {
    return configurationIndex;
  }

  /** Returns the metadata of an archive of this snapshot, taken at {@code created}. */
  public SnapshotMeta meta(Instant created) {
    return SnapshotMeta.of(term, index, configuration, configurationIndex, size, created);
  }

  /** Opens the state for reading; the caller closes the stream. */
  public InputStream openStream() throws IOException {
    return Files.newInputStream(path);
  }

  /** Releases the pin. */
  @Override
  public void close() throws IOException {
    release.close();
  }
}
