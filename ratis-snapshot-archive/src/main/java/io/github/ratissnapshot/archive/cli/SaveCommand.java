package io.github.ratissnapshot.archive.cli;

import io.github.ratissnapshot.archive.format.ArchiveSummary;
import io.github.ratissnapshot.archive.format.ArchiveWriter;
import io.github.ratissnapshot.archive.format.AtomicFile;
import io.github.ratissnapshot.archive.format.Digests;
import io.github.ratissnapshot.archive.format.SnapshotMeta;
import io.github.ratissnapshot.archive.ratis.client.GroupConnection;
import io.github.ratissnapshot.archive.ratis.client.SaveClient;
import io.github.ratissnapshot.archive.ratis.client.SnapshotLostException;
import io.github.ratissnapshot.archive.store.ArchiveName;
import io.github.ratissnapshot.archive.store.ArchiveStore;
import io.github.ratissnapshot.archive.store.StoredArchive;
import io.github.ratissnapshot.archive.store.UploadCheck;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.ratis.protocol.RaftPeerId;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ratis-snapshot save}: an archive of a running group. Writes {@code FILE.part}, verifies it, then
 * renames it to {@code FILE}: nothing is ever under {@code FILE} unless it is a verified archive. A save that
 * loses the snapshot it pulls ({@link SnapshotLostException}) empties {@code FILE.part} and starts over, up to
 * {@link SaveClient#ATTEMPTS} times in all, saying why on standard error.
 */
@Command(name = "save", mixinStandardHelpOptions = true,
    description = {"Take an archive of a running group's state (as consul snapshot save).",
        "A server takes a fresh snapshot; its file is pulled, archived and verified into FILE.part, "
            + "which is renamed to FILE only when complete. If that server is lost mid-pull (restarted, or no "
            + "longer answering), the save starts over from a fresh snapshot on the leader, 3 attempts in all."})
final class SaveCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  GroupOptions group = new GroupOptions();

  @Option(names = "--server", paramLabel = "ID",
      description = "The server to snapshot (default: the leader).")
  String server;

  @Option(names = "--force", description = "Replace FILE if it exists.")
  boolean force;

  @Option(names = "--level", paramLabel = "0-9", defaultValue = "6",
      description = "gzip level (default: ${DEFAULT-VALUE}, as Consul).")
  int level;

  /** Where the state is compressed. */
  enum CompressOn { server, client }

  @Option(names = "--compress-on", paramLabel = "server|client", defaultValue = "server",
      description = "Where the state is compressed (default: ${DEFAULT-VALUE}): on the server whose snapshot is "
          + "saved, which spends the CPU and sends about a fifth of the bytes, as Consul's servers do; or here, "
          + "which receives the state as it is. Servers of earlier releases always send it as it is.")
  CompressOn compressOn;

  @Option(names = "--verify-upload", description = "With --to: read the archive back from the store and verify "
      + "it whole after publishing (the listing's size and digests are always checked).")
  boolean verifyUpload;

  @Option(names = "--to", paramLabel = "LOCATION", description = {"Publish the archive into a store (a "
      + "directory, file:///dir or s3://bucket/prefix?endpoint=URL) as "
      + "<group>/<yyyyMMdd'T'HHmmss'Z'>-t<term>-i<index>.snap, instead of to FILE. It is saved and verified "
      + "first (beside its final name in a directory store, in the temporary directory for S3)."})
  String to;

  @Parameters(index = "0", arity = "0..1", paramLabel = "FILE", description = {"Where the archive goes; - for "
      + "standard output (then there is no FILE.part and no re-read: the exit code is the only sign that the "
      + "archive is complete, and the summary goes to standard error)."})
  Path file;

  @Override
  public Integer call() throws Exception {
    if (level < 0 || level > 9) {
      throw new ParameterException(spec.commandLine(), "--level must be 0 to 9, got " + level);
    }
    if ((file == null) == (to == null)) {
      throw new ParameterException(spec.commandLine(), "give either FILE or --to LOCATION");
    }
    if (verifyUpload && to == null) {
      throw new ParameterException(spec.commandLine(), "--verify-upload reads back what --to published; give --to");
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    ArchiveWriter writer = ArchiveWriter.newBuilder().level(level).build();
    if (to != null) {
      return saveToStore(writer, out, err);
    }
    if (ArchiveFiles.isStandardStream(file)) {
      return saveToStandardOutput(group.connect(), writer, err);
    }
    PathChecks.newFile(file, force);
    GroupConnection connection = group.connect();
    try (CleanupOnExit cleanup = new CleanupOnExit();
        AtomicFile target = cleanup.watch(AtomicFile.create(file, force))) {
      Saved saved = saveAndVerify(connection, writer, target, err);
      target.commit();
      out.println(summary(file.toString(), saved.summary(), saved.archiveBytes(), saved.archiveSha256()));
      out.flush();
      return ExitCode.OK;
    }
  }

  /** Saves beside the store's final name, verifies, and publishes under the name the archive's metadata gives. */
  private int saveToStore(ArchiveWriter writer, PrintWriter out, PrintWriter err) throws IOException {
    try (ArchiveStore store = StoreOptions.openForPublishing(spec, to)) {
      GroupConnection connection = group.connect();
      UUID groupId = connection.group().getGroupId().getUuid();
      Path scratch = StoreOptions.scratchFile(store, groupId);
      try (CleanupOnExit cleanup = new CleanupOnExit();
          AtomicFile target = cleanup.watch(AtomicFile.create(scratch, false))) {
        Saved saved = saveAndVerify(connection, writer, target, err);
        SnapshotMeta meta = saved.summary().meta();
        ArchiveName name = new ArchiveName(groupId, meta.created().orElseGet(Instant::now), meta.term(),
            meta.index());
        StoredArchive stored = store.publish(target.partPath(), name, saved.summary().state().sha256Hex(),
            saved.archiveSha256());
        UploadCheck.listed(store, stored);
        if (verifyUpload) {
          UploadCheck.readBack(store, stored);
        }
        out.println(summary(store.addressOf(name), saved.summary(), saved.archiveBytes(),
            saved.archiveSha256()));
        out.flush();
        return ExitCode.OK;
      }
    }
  }

  /** An archive saved and verified, not yet published. */
  private record Saved(ArchiveSummary summary, long archiveBytes, String archiveSha256) {}

  private Saved saveAndVerify(GroupConnection connection, ArchiveWriter writer, AtomicFile target, PrintWriter err)
    throws IOException {
    ArchiveSummary saved = null;
    try (Progress saving = Progress.start("saving", -1, err);
        // Verified below: the state's bytes are checked there, not also on the way in.
        SaveClient client = client(connection, writer, saving, true)) {
      for (int attempt = 1; saved == null; attempt++) {
        try (OutputStream buffered = new BufferedOutputStream(target.stream(), 1 << 20)) {
          saved = client.writeTo(buffered);
          buffered.flush();
        } catch (SnapshotLostException lost) {
          // The server holding the snapshot restarted or went away: what FILE.part holds is void.
          if (attempt == SaveClient.ATTEMPTS) {
            throw lost.afterAttempts(attempt);
          }
          target.truncate();
          saving.println(lost.startingOver(attempt + 1, SaveClient.ATTEMPTS));
        }
      }
      saving.close(); // its line ends before the verification's starts
      String archiveSha256;
      try (Progress progress = Progress.start("verifying", Files.size(target.partPath()), err)) {
        archiveSha256 = client.verifySaved(target.partPath(), saved, progress::count);
      }
      return new Saved(saved, Files.size(target.partPath()), archiveSha256);
    }
  }

  /** Streams the archive to standard output; the summary line goes to {@code err}. */
  private int saveToStandardOutput(GroupConnection connection, ArchiveWriter writer, PrintWriter err)
      throws IOException {
    MessageDigest sha = Digests.sha256();
    long[] bytes = {0};
    ArchiveSummary saved;
    // The file descriptor itself, not System.out: a PrintStream swallows a closed pipe and the save would go
    // on to the end; this stream fails the save at the first write after the reader has gone.
    OutputStream stdout = new FilterOutputStream(new FileOutputStream(FileDescriptor.out)) {
      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        bytes[0] += len;
      }

      @Override
      public void close() throws IOException {
        flush(); // standard output stays open for the JVM
      }
    };
    try (Progress progress = Progress.start("saving", -1, err);
        SaveClient client = client(connection, writer, progress, false);
        OutputStream o = new BufferedOutputStream(new DigestOutputStream(stdout, sha), 1 << 20)) {
      saved = client.writeTo(o);
    }
    err.println(summary("to standard output", saved, bytes[0], Digests.hex(sha.digest())));
    err.flush();
    return ExitCode.OK;
  }

  /** The line a save ends with: where the archive went, its metadata, and both SHA-256s. */
  private static String summary(String where, ArchiveSummary saved, long archiveBytes, String archiveSha256) {
    return String.format("Saved %s: ID %s, Index %d, Term %d, Size %d (state sha256 %s); archive %d bytes, "
        + "sha256 %s", where, saved.meta().id(), saved.meta().index(), saved.meta().term(), saved.meta().size(),
        saved.state().sha256Hex(), archiveBytes, archiveSha256);
  }

  private SaveClient client(GroupConnection connection, ArchiveWriter writer, Progress progress,
      boolean verifiesAfterwards) {
    SaveClient.Builder b = SaveClient.newBuilder(connection).writer(writer).progress(progress)
        .compressOnServer(compressOn == CompressOn.server).verifiesAfterwards(verifiesAfterwards);
    if (server != null) {
      b.server(RaftPeerId.valueOf(server));
    }
    return b.build();
  }

  /** Deletes the {@code .part} file if the JVM is stopped (Ctrl-C, SIGTERM) during the save. */
  private static final class CleanupOnExit implements AutoCloseable {
    private final AtomicReference<AtomicFile> target = new AtomicReference<>();
    private final Thread hook;

    /** Registered before the .part file exists, so no signal can slip between its creation and the hook. */
    CleanupOnExit() {
      this.hook = new Thread(() -> {
        AtomicFile t = target.get();
        if (t != null) {
          try {
            t.close();
          } catch (IOException ignored) {
            // the next save of the same file replaces the leftover
          }
        }
      }, "save-cleanup");
      Runtime.getRuntime().addShutdownHook(hook);
    }

    AtomicFile watch(AtomicFile file) {
      target.set(file);
      return file;
    }

    @Override
    public void close() {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook runs anyway
      }
    }
  }
}
