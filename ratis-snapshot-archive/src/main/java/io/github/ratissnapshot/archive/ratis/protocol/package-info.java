/**
 * The messages this library's clients and state machines exchange through Ratis: the online-restore log
 * entries ({@code BEGIN}, {@code CHUNK}, {@code COMMIT}, {@code ABORT}), the read-only queries of a remote
 * save ({@code PIN}, {@code READ}, {@code RELEASE}) and of restore and operator status ({@code STATUS},
 * {@code INFO}), their replies, and the typed problems a server reports.
 *
 * <p>Both sides of the wire use these types: the server side in {@code …ratis.server} and the client side in
 * {@code …ratis.client}. They are public for that reason and for tests that speak the protocol directly; an
 * application uses the clients, not these messages. The byte layout is versioned by the magic in
 * {@link io.github.ratissnapshot.archive.ratis.protocol.ArchiveProtocol} and may change between releases.
 */
package io.github.ratissnapshot.archive.ratis.protocol;
