package io.github.ratissnapshot.archive.format;

import java.io.IOException;

/**
 * An archive is not a valid snapshot archive: it is not gzip, its tar structure is broken, an entry is
 * missing, unexpected or of the wrong type, or a check on its content failed.
 *
 * <p>Every rejection by {@link ArchiveReader} is an {@code ArchiveException} whose {@link #problem()} says
 * which class of fault it is and whose message says what is wrong with which entry, with the numbers
 * (expected against actual). Faults of the content of one entry are the subtype
 * {@link CorruptArchiveException}, which also names the entry. Plain {@link IOException}s that are not
 * {@code ArchiveException}s come from the underlying streams (a failing disk, a closed socket) and say
 * nothing about the archive itself.
 */
public class ArchiveException extends IOException {
  private static final long serialVersionUID = 1L;

  /** The class of fault found in an archive. */
  public enum Problem {
    /** The stream does not start with a gzip header, or the header uses an unsupported feature. */
    NOT_GZIP,
    /** The deflate data inside the gzip member is invalid. */
    BAD_COMPRESSED_DATA,
    /** The CRC-32 in the gzip trailer does not match the decompressed bytes. */
    GZIP_CRC,
    /** The ISIZE in the gzip trailer does not match the number of decompressed bytes. */
    GZIP_SIZE,
    /** The gzip or tar stream ends before its end. */
    TRUNCATED,
    /** Bytes follow the end of the archive: after the gzip trailer, or non-zero bytes after the tar end. */
    TRAILING_DATA,
    /** A tar header cannot be parsed or its checksum is wrong. */
    BAD_TAR_HEADER,
    /** An entry whose name is not one of the archive's entries. */
    UNEXPECTED_ENTRY,
    /** An entry that appears twice. */
    DUPLICATE_ENTRY,
    /** An entry that is not a regular file: a link, a directory, a device, a sparse file. */
    NOT_REGULAR_FILE,
    /** A required entry is absent. */
    MISSING_ENTRY,
    /** An entry is larger than the reader allows for it. */
    ENTRY_TOO_LARGE,
    /** {@code meta.json} is not JSON, or holds a value out of range. */
    INVALID_META,
    /** {@code meta.json} declares a snapshot version this reader does not know. */
    UNSUPPORTED_VERSION,
    /** {@code SHA256SUMS} is malformed, names another file, or lacks a line. */
    INVALID_SUMS,
    /** An entry's SHA-256 differs from the one {@code SHA256SUMS} records. */
    HASH_MISMATCH,
    /** The size of {@code state.bin} differs from the {@code Size} in {@code meta.json}. */
    SIZE_MISMATCH
  }

  private final Problem problem;

  /**
   * Creates an exception for a fault of the archive as a whole.
   *
   * @param problem the class of fault
   * @param message what is wrong, with the values involved
   */
  public ArchiveException(Problem problem, String message) {
    this(problem, message, null);
  }

  /**
   * Creates an exception for a fault of the archive as a whole, with the exception that revealed it.
   *
   * @param problem the class of fault
   * @param message what is wrong, with the values involved
   * @param cause the underlying exception, or {@code null}
   */
  public ArchiveException(Problem problem, String message, Throwable cause) {
    super(message, cause);
    if (problem == null) {
      throw new IllegalArgumentException("problem must not be null");
    }
    this.problem = problem;
  }

  /** Returns the class of fault; never {@code null}. */
  public Problem problem() {
    return problem;
  }
}
