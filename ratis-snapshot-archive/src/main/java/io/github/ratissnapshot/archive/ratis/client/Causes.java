package io.github.ratissnapshot.archive.ratis.client;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.UndeclaredThrowableException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.apache.ratis.protocol.exceptions.AlreadyClosedException;

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

  private static boolean isWrapper(Throwable t) {
    return t instanceof CompletionException || t instanceof ExecutionException
        || t instanceof UndeclaredThrowableException || t instanceof InvocationTargetException
        || t.getClass().getName().startsWith("org.apache.ratis.");
  }
}
