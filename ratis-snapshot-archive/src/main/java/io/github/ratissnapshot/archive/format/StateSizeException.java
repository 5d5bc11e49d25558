package io.github.ratissnapshot.archive.format;

import java.io.IOException;

/**
 * A state source handed to {@link ArchiveWriter} held fewer or more bytes than the {@code Size} its
 * metadata declares. The archive being written is incomplete and must be discarded.
 */
public class StateSizeException extends IOException {
  private static final long serialVersionUID = 1L;

  private final long declaredSize;

  /**
   * Creates the exception.
   *
   * @param declaredSize the {@code Size} the metadata declares
   * @param message what the source held instead
   */
  public StateSizeException(long declaredSize, String message) {
    super(message);
    this.declaredSize = declaredSize;
  }

  /** A compressed state that inflates (or is vouched to inflate) to more than {@code declaredSize} bytes. */
  static StateSizeException inflatesToMore(long declaredSize) {
    return new StateSizeException(declaredSize, String.format(
        "the compressed state inflates to more than the %,d bytes meta.json Size declares", declaredSize));
  }

  /** A compressed state that inflates (or is vouched to inflate) to {@code actual} bytes, not the size declared. */
  static StateSizeException inflatesTo(long actual, long declaredSize) {
    return new StateSizeException(declaredSize, String.format(
        "the compressed state inflates to %,d bytes; meta.json Size declares %,d", actual, declaredSize));
  }

  /** Returns the {@code Size} the metadata declared. */
  public long declaredSize() {
    return declaredSize;
  }
}
