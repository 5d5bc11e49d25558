package io.github.ratissnapshot.archive.format;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Run by {@link BoundedMemoryIT} in a JVM with a small heap: writes an archive of a generated state to a
 * file, extracts and verifies it, re-hashes the extracted file, prints what it found and deletes both
 * files. Arguments: directory, state size, seed, gzip level.
 */
final class BoundedMemoryMain {
  private BoundedMemoryMain() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    long size = Long.parseLong(args[1]);
    long seed = Long.parseLong(args[2]);
    int level = Integer.parseInt(args[3]);
    SnapshotMeta meta = Fixtures.META.withSize(size);
    Path archive = dir.resolve("bounded.snap");

    long start = System.nanoTime();
    ArchiveSummary written;
    try (OutputStream out = Files.newOutputStream(archive); InputStream state = TestStates.stream(seed, size)) {
      written = ArchiveWriter.newBuilder().level(level).clock(Fixtures.CLOCK).build().write(out, meta, state);
    }
    long archiveBytes = Files.size(archive);
    long wrote = System.nanoTime();
    try (InputStream in = Files.newInputStream(archive);
        ExtractedState extracted = ArchiveReader.defaults().extract(in, dir)) {
      long verified = System.nanoTime();
      MessageDigest digest = Digests.sha256();
      try (InputStream state = new DigestInputStream(Files.newInputStream(extracted.path()), digest)) {
        state.transferTo(OutputStream.nullOutputStream());
      }
      HexFormat hex = HexFormat.of();
      System.out.println("heap " + Runtime.getRuntime().maxMemory());
      System.out.println("archive " + archiveBytes);
      System.out.println("written " + written.state().size() + " " + written.state().sha256Hex());
      System.out.println("verified " + extracted.summary().state().size() + " " + extracted.summary().state().sha256Hex());
      System.out.println("extracted " + Files.size(extracted.path()) + " " + hex.formatHex(digest.digest()));
      System.out.printf("seconds: write %.1f, extract %.1f, re-hash %.1f%n", (wrote - start) / 1e9,
          (verified - wrote) / 1e9, (System.nanoTime() - verified) / 1e9);
    } finally {
      Files.deleteIfExists(archive);
    }
  }
}
