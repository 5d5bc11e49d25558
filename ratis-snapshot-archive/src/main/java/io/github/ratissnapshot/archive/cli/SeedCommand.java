package io.github.ratissnapshot.archive.cli;

import io.github.ratissnapshot.archive.format.ArchiveReader;
import io.github.ratissnapshot.archive.format.SnapshotMeta;
import io.github.ratissnapshot.archive.ratis.client.OfflineSeeder;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ratis-snapshot seed}: offline restore, as {@code etcdutl snapshot restore}: prepares one peer's
 * fresh storage directory for a new group from an archive.
 */
@Command(name = "seed", mixinStandardHelpOptions = true,
    description = {"Prepare one peer's fresh storage directory for a new group from an archive "
        + "(offline restore, as etcdutl snapshot restore).",
        "Run it for every peer with the same FILE, --peers and --group, then start each server with "
            + "RECOVER on its directory: the group starts with the archive's state at its index.",
        "Without --group, the group id is derived from the archive and the peers, so every peer gets the same."})
final class SeedCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--storage-dir", required = true, paramLabel = "DIR",
      description = "The peer's storage root (raft.server.storage.dir); the group's directory is created in it.")
  Path storageDir;

  @Option(names = "--peer", required = true, paramLabel = "ID", description = "The peer being seeded.")
  String peer;

  @Option(names = "--peers", required = true, paramLabel = "ID=HOST:PORT[,...]", converter = PeerList.class,
      description = "Every peer of the new group.")
  List<RaftPeer> peers;

  @Option(names = "--group", paramLabel = "UUID", description = "The new group's id.")
  UUID group;

  @Mixin
  LatestOptions latest = new LatestOptions();

  @Parameters(index = "0", arity = "0..1", paramLabel = "FILE", converter = ArchiveSource.Converter.class,
      description = "The archive; - for standard input; "
          + ArchiveSource.IN_STORE + " (either copied to a temporary file first).")
  ArchiveSource file;

  @Override
  public Integer call() throws Exception {
    if (peers.stream().noneMatch(p -> p.getId().toString().equals(peer))) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--peer " + peer + " is not one of --peers " + describe(peers));
    }
    if ((file == null) == !latest.given()) {
      throw new CommandLine.ParameterException(spec.commandLine(), "give either FILE or --latest LOCATION");
    }
    UUID groupId;
    OfflineSeeder.Result r;
    try (TemporaryFiles temporary = new TemporaryFiles()) {
      Path archive = latest.given()
          ? latest.newestValid(spec, null, temporary, spec.commandLine().getErr()).file()
          : ArchiveFiles.fileOf(file, temporary);
      groupId = group != null ? group : derivedGroup(archive);
      r = OfflineSeeder.seed(archive, storageDir, RaftGroupId.valueOf(groupId));
    }
    SnapshotMeta m = r.meta();
    PrintWriter out = spec.commandLine().getOut();
    out.printf("Seeded peer %s of group %s in %s: archive %s, Index %d, Term %d, Size %d%n",
        peer, groupId, r.groupDirectory(), m.id(), m.index(), m.term(), m.size());
    out.printf("Start it with RECOVER as peer %s of group %s with peers %s%n", peer, groupId, describe(peers));
    out.flush();
    return ExitCode.OK;
  }

  /**
   * The same on every peer for the same archive and peer list. Reads only as far as the archive's
   * {@code meta.json}: the seed that follows verifies all of it before it places anything.
   */
  private UUID derivedGroup(Path archive) throws IOException {
    SnapshotMeta meta;
    try (InputStream in = new BufferedInputStream(Files.newInputStream(archive), 1 << 16)) {
      meta = ArchiveReader.defaults().peekMeta(in);
    }
    String basis = "ratis-snapshot-seed:" + meta.id() + ":" + describe(peers.stream()
        .sorted(Comparator.comparing(p -> p.getId().toString())).toList());
    return UUID.nameUUIDFromBytes(basis.getBytes(StandardCharsets.UTF_8));
  }

  private static String describe(List<RaftPeer> peers) {
    return peers.stream().map(p -> p.getId() + "=" + p.getAddress()).collect(Collectors.joining(","));
  }
}
