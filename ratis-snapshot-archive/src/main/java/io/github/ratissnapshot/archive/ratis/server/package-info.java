/**
 * The archive protocol inside each Ratis server. {@link io.github.ratissnapshot.archive.ratis.server.ArchiveSupport}
 * holds the parts the mixin is made of (for a state machine that cannot extend
 * {@link io.github.ratissnapshot.archive.ratis.ArchivingStateMachine}); it routes each operation to one
 * handler ({@code BeginHandler}, {@code ChunkHandler}, {@code CommitHandler}, {@code PinHandler}, …). A
 * restore is staged per replica by {@code Replica} and {@code RestoreSession} and swapped in at
 * {@code COMMIT}; native snapshots, snapshot pins for remote saves and
 * {@link io.github.ratissnapshot.archive.ratis.server.LocalSnapshots} (save in the server's own process)
 * live here too.
 */
package io.github.ratissnapshot.archive.ratis.server;
