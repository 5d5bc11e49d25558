package io.github.ratissnapshot.archive.format;

/**
 * The content of one entry of an archive is wrong: its hash differs from {@code SHA256SUMS}, it is cut
 * short, it does not parse, or it contradicts another entry. {@link #entryName()} names the entry.
 */
public class CorruptArchiveException extends ArchiveException {
  private static final long serialVersionUID = 1L;

  private final String entryName;

  /**
   * Creates an exception for a fault in one entry.
   *
   * @param problem the class of fault
   * @param entryName the archive entry at fault, such as {@code state.bin}
   * @param message what is wrong, with the values involved
   */
  public CorruptArchiveException(Problem problem, String entryName, String message) {
    this(problem, entryName, message, null);
  }

  /**
   * Creates an exception for a fault in one entry, with the exception that revealed it.
   *
   * @param problem the class of fault
   * @param entryName the archive entry at fault, such as {@code state.bin}
   * @param message what is wrong, with the values involved
   * @param cause the underlying exception, or {@code null}
   */
  public CorruptArchiveException(Problem problem, String entryName, String message, Throwable cause) {
    super(problem, message, cause);
    if (entryName == null) {
      throw new IllegalArgumentException("entryName must not be null");
    }
    this.entryName = entryName;
  }

  /** Returns the name of the entry at fault; never {@code null}. */
  public String entryName() {
    return entryName;
  }
}
