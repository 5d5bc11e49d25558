/**
 * What a Ratis application touches: {@link io.github.ratissnapshot.archive.ratis.ArchivingStateMachine}, the
 * mixin that gives a state machine native snapshots in the archive's bytes, online restore and remote save;
 * {@link io.github.ratissnapshot.archive.ratis.ArchiveServerProperties}, the server settings the archive
 * protocol needs; {@link io.github.ratissnapshot.archive.ratis.MutualTls} for gRPC with client
 * certificates; and {@link io.github.ratissnapshot.archive.ratis.RatisVersion}, the Ratis that runs (any of
 * 3.1.x, 3.2.x and 3.3.x: Ratis is the application's own dependency).
 *
 * <p>The rest of the Ratis layer is split by where it runs: {@code …ratis.server} inside each server,
 * {@code …ratis.client} in a process that talks to a group from outside, and {@code …ratis.protocol}, the
 * messages between them.
 */
package io.github.ratissnapshot.archive.ratis;
