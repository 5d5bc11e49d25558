package io.github.ratissnapshot.archive.ratis.protocol;

import io.github.ratissnapshot.archive.format.ArchiveException;

/**
 * The class of a failure a server reports about an archive operation. The name travels on the wire; an
 * archive the servers found invalid travels as the name of its {@link ArchiveException.Problem} and is
 * {@link #INVALID_ARCHIVE} here.
 */
public enum RemoteProblem {
  /** The server could not decode the request. */
  MALFORMED,
  /** The client could not decode the server's reply: a server of another version, or a damaged reply. */
  MALFORMED_REPLY,
  /** A query was sent as a log entry. */
  NOT_A_WRITE,
  /** A log entry was sent as a query. */
  NOT_A_QUERY,
  /** A request meant for one server reached another. */
  WRONG_SERVER,
  /** The restore the request names is not open on the server. */
  NOT_OPEN,
  /** The application refused the archive's state. */
  STATE_REJECTED,
  /** The snapshot pin does not exist or expired. */
  NO_SUCH_PIN,
  /** The server has no snapshot to pin. */
  NO_SNAPSHOT,
  /** The chunks did not arrive as the client sent them (order, count, hash). */
  TRANSFER,
  /** The replica could not stage the archive (a full disk, an I/O error). */
  LOCAL_FAILURE,
  /** An I/O failure on the server. */
  IO,
  /** The archive itself is invalid; {@link RemoteArchiveException#archiveProblem()} says how. */
  INVALID_ARCHIVE,
  /** The restore was aborted by its client or an operator before it committed. */
  ABORTED,
  /** The group's configuration changed after the client checked which servers were ready. */
  CONFIGURATION_CHANGED,
  /** A problem name this client does not know (a server of a newer version). */
  UNKNOWN;

  /**
   * Returns the problem a wire name stands for.
   *
   * @param name the name a server sent
   * @return the problem; {@link #INVALID_ARCHIVE} for the name of an {@link ArchiveException.Problem},
   *     {@link #UNKNOWN} for anything else not listed here
   */
  public static RemoteProblem ofWireName(String name) {
    for (RemoteProblem p : values()) {
      if (p.name().equals(name) && p != UNKNOWN) {
        return p;
      }
    }
    return archiveProblem(name) != null ? INVALID_ARCHIVE : UNKNOWN;
  }

  /** Returns the archive problem a wire name stands for, or null. */
  static ArchiveException.Problem archiveProblem(String name) {
    for (ArchiveException.Problem p : ArchiveException.Problem.values()) {
      if (p.name().equals(name)) {
        return p;
      }
    }
    return null;
  }
}
