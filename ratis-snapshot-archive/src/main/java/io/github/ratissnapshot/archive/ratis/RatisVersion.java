package io.github.ratissnapshot.archive.ratis;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Properties;
import org.apache.ratis.server.RaftServer;

/**
 * The version of Apache Ratis this process runs with, and the lines this library is tested on.
 *
 * <p>The library is one artifact for Ratis 3.1.x, 3.2.x and 3.3.x: it uses only the API of Ratis 3.1, and
 * the application chooses the Ratis version. This class reads the running version from the
 * {@code ratis-version.properties} that every Ratis jar carries, so the CLI, the example nodes and the logs
 * can say which Ratis actually runs.
 */
public final class RatisVersion {
  /** The Ratis release lines this library is tested on (its version matrix). */
  public static final List<String> TESTED_LINES = List.of("3.1", "3.2", "3.3");

  private static final String UNKNOWN = "unknown";
  private static final String RUNNING = read();

  private RatisVersion() {}

  /**
   * Returns the version of the Ratis jars on the class path, such as {@code 3.1.3}.
   *
   * @return the version, or {@code "unknown"} if the jars carry no version (a repackaged Ratis)
   */
  public static String running() {
    return RUNNING;
  }

  /**
   * Returns whether a version belongs to a release line this library is tested on.
   *
   * @param version a Ratis version such as {@code 3.2.2}
   * @return true for 3.1.x, 3.2.x and 3.3.x
   */
  public static boolean isTested(String version) {
    return TESTED_LINES.stream().anyMatch(line -> version.startsWith(line + "."));
  }

  private static String read() {
    try (InputStream in = RaftServer.class.getResourceAsStream("/ratis-version.properties")) {
      if (in == null) {
        return UNKNOWN;
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version", UNKNOWN).strip();
    } catch (IOException e) {
      return UNKNOWN;
    }
  }
}
