/**
 * Talking to a running group from outside it. {@link io.github.ratissnapshot.archive.ratis.client.GroupConnection}
 * says how to reach the group; {@link io.github.ratissnapshot.archive.ratis.client.SaveClient} archives a
 * server's state, {@link io.github.ratissnapshot.archive.ratis.client.RestoreClient} restores an archive into
 * every replica (its commit decision is the pure {@code CommitGate}, fed by {@code GroupProbe}, which asks
 * every member of the configuration the leader reports),
 * {@link io.github.ratissnapshot.archive.ratis.client.StatusClient} reports each server's state, and
 * {@link io.github.ratissnapshot.archive.ratis.client.OfflineSeeder} prepares fresh storage for a new group.
 */
package io.github.ratissnapshot.archive.ratis.client;
