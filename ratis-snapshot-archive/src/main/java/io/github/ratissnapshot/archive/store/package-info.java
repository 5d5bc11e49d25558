/**
 * Where archives live, without Ratis: {@link io.github.ratissnapshot.archive.store.ArchiveStore} (publish a
 * verified archive under a name, list, open, delete, clean up after a dead writer),
 * {@link io.github.ratissnapshot.archive.store.LocalDirectoryStore}, names that sort by time
 * ({@link io.github.ratissnapshot.archive.store.ArchiveName}), and
 * {@link io.github.ratissnapshot.archive.store.RetentionPolicy}, which decides what to keep. Depends on
 * {@code …archive.format} only.
 */
package io.github.ratissnapshot.archive.store;
