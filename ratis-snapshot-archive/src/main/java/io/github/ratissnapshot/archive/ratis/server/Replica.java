package io.github.ratissnapshot.archive.ratis.server;

import io.github.ratissnapshot.archive.ratis.protocol.LeaseReply;
import org.apache.ratis.protocol.RaftPeerId;

/**
 * The archive side of one replica, as the operation handlers see it: the application's state, its native
 * snapshots and the pins on them, the configuration history, its restores, and the snapshot trigger. Built
 * by {@link ArchiveSupport#initialize}; the handlers share it.
 */
final class Replica {
  private final RaftPeerId serverId;
  private final ArchivableState app;
  private final NativeSnapshots snapshots;
  private final SnapshotPins pins;
  private final ConfigurationHistory history;
  private final ReplicaRestores restores;
  private final SnapshotTrigger trigger;
  /** Why the last snapshot could not be written, until one is; for the save that asked for it. */
  private volatile String snapshotFailure;
  /** The archiving lease as the last LEASE entry applied here left it; null when nobody holds it. */
  private volatile LeaseReply lease;
  /** The index of the last entry that changed the application's state (an application write or a restore). */
  private volatile long stateIndex = -1;

  Replica(RaftPeerId serverId, ArchivableState app, NativeSnapshots snapshots, SnapshotPins pins,
      ConfigurationHistory history, ReplicaRestores restores, SnapshotTrigger trigger) {
    this.serverId = serverId;
    this.app = app;
    this.snapshots = snapshots;
    this.pins = pins;
    this.history = history;
    this.restores = restores;
    this.trigger = trigger;
  }

  RaftPeerId serverId() {
    return serverId;
  }

  ArchivableState app() {
    return app;
  }

  NativeSnapshots snapshots() {
    return snapshots;
  }

  SnapshotPins pins() {
    return pins;
  }

  ConfigurationHistory history() {
    return history;
  }

  ReplicaRestores restores() {
    return restores;
  }

  SnapshotTrigger trigger() {
    return trigger;
  }

  LeaseReply lease() {
    return lease;
  }

  void lease(LeaseReply lease) {
    this.lease = lease;
  }

  /** Returns the index of the last entry that changed the application's state, or -1 if unknown. */
  long stateIndex() {
    return stateIndex;
  }

  /** Records that the entry at {@code index} changed the application's state (or the loaded snapshot is at it). */
  void stateChangedAt(long index) {
    stateIndex = index;
  }

  String snapshotFailure() {
    return snapshotFailure;
  }

  void snapshotFailure(String why) {
    this.snapshotFailure = why;
  }
}
