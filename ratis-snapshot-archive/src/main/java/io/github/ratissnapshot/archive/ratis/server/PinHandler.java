package io.github.ratissnapshot.archive.ratis.server;

import io.github.ratissnapshot.archive.ratis.protocol.Op.Pin;
import io.github.ratissnapshot.archive.ratis.protocol.PinInfo;
import io.github.ratissnapshot.archive.ratis.protocol.RemoteArchiveException;
import io.github.ratissnapshot.archive.ratis.protocol.RemoteProblem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.util.UUID;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;

/**
 * {@code PIN}: holds the latest native snapshot for a save and says what {@code meta.json} needs: its term,
 * index and size, its MD5 (and its SHA-256 when this server hashed the file as it wrote it), and the
 * configuration in force at its index. Refuses when the last snapshot could
 * not be written (an older one would be a stale archive) and when the request was meant for another server.
 */
final class PinHandler implements QueryHandler<Pin> {
  private static final int ATTEMPTS = 4;

  private final Replica replica;

  PinHandler(Replica replica) {
    this.replica = replica;
  }

  @Override
  public Message answer(Pin p) throws IOException {
    String me = replica.serverId().toString();
    if (!p.serverId().equals(me)) {
      throw new RemoteArchiveException(RemoteProblem.WRONG_SERVER, "the pin request for " + p.serverId()
          + " reached " + me);
    }
    return pin().toReply();
  }

  /**
   * Pins the latest snapshot.
   *
   * @return the pin; release it with its id
   * @throws RemoteArchiveException if there is no snapshot, or the last one could not be written
   * @throws IOException if pinning fails
   */
  PinInfo pin() throws IOException {
    String failure = replica.snapshotFailure();
    if (failure != null) {
      throw new RemoteArchiveException(RemoteProblem.IO, failure);
    }
    for (int attempt = 1; ; attempt++) {
      SingleFileSnapshotInfo latest = replica.snapshots().latest();
      if (latest == null) {
        throw new RemoteArchiveException(RemoteProblem.NO_SNAPSHOT, "server " + replica.serverId()
            + " has no snapshot yet");
      }
      UUID id;
      try {
        id = replica.pins().pin(latest);
      } catch (NoSuchFileException e) {
        if (attempt < ATTEMPTS) {
          continue; // retention or an install removed it just now: pin the newer one
        }
        throw e;
      }
      ConfigurationHistory.Known conf = replica.history().at(latest.getIndex());
      var digest = latest.getFile().getFileDigest();
      return new PinInfo(id, latest.getTerm(), latest.getIndex(), Files.size(replica.pins().path(id)),
          digest == null ? null : digest.toString(), conf.configuration(), conf.index(), true,
          replica.snapshots().sha256Hex(latest).orElse(null));
    }
  }
}
