package io.github.ratissnapshot.archive.ratis.client;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.UndeclaredThrowableException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.ratis.protocol.exceptions.AlreadyClosedException;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.protocol.exceptions.LeaderSteppingDownException;
import org.apache.ratis.protocol.exceptions.NotLeaderException;

/**
 * The project's one rule for finding what went wrong inside a failure: unwrap the wrappers that only say
 * where it happened (completion and execution exceptions, reflection, and Ratis's own exceptions that carry
 * a cause, such as its retry failure), down to the first exception that says what it was (a refused
 * connection, a full disk, a server's verdict).
 */
public final class Causes {
  private Causes() {}

  /**
   * Returns the exception that says what went wrong.
   *
   * @param t a failure
   * @return {@code t} or one of its causes
   */
  public static Throwable root(Throwable t) {
    Throwable r = t;
    while (r.getCause() != null && r.getCause() != r && isWrapper(r)) {
      r = r.getCause();
    }
    return r;
  }

  /**
   * Returns what went wrong in words: the root's message, or its type when it has none.
   *
   * @param t a failure
   * @return the text
   */
  public static String message(Throwable t) {
    Throwable r = root(t);
    return r.getMessage() == null || r.getMessage().isBlank() ? r.getClass().getSimpleName() : r.getMessage();
  }

  /**
   * Returns what went wrong in one line for a person, naming the file for a file system failure
   * ({@code no such file: /x}, {@code /x: No space left on device}, {@code permission denied: /x}); control
   * characters a library's message may quote become spaces.
   *
   * @param t a failure
   * @return the line
   */
  public static String describe(Throwable t) {
    Throwable r = root(t);
    String m;
    if (r instanceof NoSuchFileException e) {
      m = "no such file: " + e.getFile();
    } else if (r instanceof FileAlreadyExistsException e) {
      m = e.getFile() + (e.getReason() == null ? " already exists" : ": " + e.getReason());
    } else if (r instanceof AccessDeniedException e) {
      m = "permission denied: " + e.getFile();
    } else if (r instanceof NotDirectoryException e) {
      m = e.getFile() + ": Not a directory";
    } else if (r instanceof FileSystemException e && e.getReason() != null) {
      m = e.getFile() + ": " + e.getReason();
    } else if (r instanceof TimeoutException) {
      m = "timed out: " + (r.getMessage() == null ? "no reply in time" : r.getMessage());
    } else {
      m = message(t);
    }
    StringBuilder sb = new StringBuilder(m.length());
    m.codePoints().forEach(c -> sb.appendCodePoint(Character.isISOControl(c) ? ' ' : c));
    return sb.toString();
  }

  /**
   * Returns whether Ratis gave up because the client's connection to a server was closed under it (after a
   * leader was killed, say); a new client connects afresh.
   *
   * @param t a failure
   * @return whether an {@link AlreadyClosedException} is among its causes
   */
  public static boolean isClosedConnection(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof AlreadyClosedException) {
        return true;
      }
    }
    return false;
  }

  /**
   * Returns whether Ratis answered a write with a failure that means it was not appended to the log and a
   * later write may still be: a leader stepping down (a leadership transfer), no longer leading, or not yet
   * ready to lead. Ratis gives such a reply to the one request and goes on with the ones after it.
   *
   * @param t a failure
   * @return whether a {@link LeaderSteppingDownException}, {@link NotLeaderException} or
   *     {@link LeaderNotReadyException} is among its causes
   */
  public static boolean isNotAppended(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof LeaderSteppingDownException || c instanceof NotLeaderException
          || c instanceof LeaderNotReadyException) {
        return true;
      }
    }
    return false;
  }

  private static boolean isWrapper(Throwable t) {
    return t instanceof CompletionException || t instanceof ExecutionException
        || t instanceof UndeclaredThrowableException || t instanceof InvocationTargetException
        || t.getClass().getName().startsWith("org.apache.ratis.");
  }
}
