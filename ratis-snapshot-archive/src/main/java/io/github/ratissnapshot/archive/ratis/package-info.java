/**
 * What a Ratis application touches: {@link io.github.ratissnapshot.archive.ratis.ArchivingStateMachine}, the
 * mixin that gives a state machine native snapshots in the archive's bytes, online restore and remote save;
 * {@link io.github.ratissnapshot.archive.ratis.ArchiveServerProperties}, the server settings the archive
 * protocol needs; and {@link io.github.ratissnapshot.archive.ratis.MutualTls} for gRPC with client
 * certificates.
 *
 * <p>The rest of the Ratis layer is split by where it runs: {@code …ratis.server} inside each server,
 * {@code …ratis.client} in a process that talks to a group from outside, and {@code …ratis.protocol}, the
 * messages between them.
 */
package io.github.ratissnapshot.archive.ratis;
