/**
 * The archive format alone, without Ratis: {@code gzip(tar(meta.json, state.bin, SHA256SUMS))} as HashiCorp
 * Consul, Nomad and Vault write it. {@link io.github.ratissnapshot.archive.format.ArchiveWriter} streams a
 * state into an archive, {@link io.github.ratissnapshot.archive.format.ArchiveReader} verifies, inspects and
 * extracts one with bounded memory, {@link io.github.ratissnapshot.archive.format.SnapshotMeta} is
 * {@code meta.json}, and {@link io.github.ratissnapshot.archive.format.AtomicFile} publishes a file under its
 * final name only when it is complete. Every failure of an archive's content is an
 * {@link io.github.ratissnapshot.archive.format.ArchiveException}; I/O failures stay {@code IOException}s.
 */
package io.github.ratissnapshot.archive.format;
