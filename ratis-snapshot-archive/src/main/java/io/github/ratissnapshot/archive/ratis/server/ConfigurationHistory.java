package io.github.ratissnapshot.archive.ratis.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.ratissnapshot.archive.format.AtomicFile;
import io.github.ratissnapshot.archive.format.Configuration;
import io.github.ratissnapshot.archive.ratis.protocol.Membership;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.apache.ratis.server.RaftConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which configuration was in force at each point of the log, so that an archive of a snapshot at index
 * {@code I} describes the membership at {@code I} and never one that came later: {@code ConfigurationIndex}
 * is at most {@code Index} in every archive.
 *
 * <p>The state machine sees every configuration entry it applies, in log order; from a point {@code base} on
 * it has seen them all, so the configuration at any {@code i >= base} is the last entry in
 * {@code (base, i]}, or the one in force at {@code base}. The record is kept in a small file beside the
 * snapshots and rewritten (whole, fsynced) at each configuration change, so it survives restarts, where
 * Ratis replays only the entries after the snapshot. An InstallSnapshot skips entries, so the record starts
 * again at the installed snapshot. Where the record does not reach, the server's current configuration is
 * used if it is no later than the index asked about (it is then the one in force there); otherwise the
 * configuration is reported unknown (empty, index 0) rather than a later one.
 *
 * <p>Thread-safe: the updater thread records, query threads ask.
 */
final class ConfigurationHistory {
  private static final Logger LOG = LoggerFactory.getLogger(ConfigurationHistory.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_ENTRIES = 64;

  /**
   * A configuration and the index of the log entry that set it (0 for the group's first).
   *
   * @param index the configuration entry's index
   * @param configuration the configuration
   */
  record Known(long index, Configuration configuration) {}

  /** The file's content. */
  record Persisted(long base, Known atBase, List<Known> entries) {}

  private final Path file;
  private final Supplier<RaftConfiguration> current;
  private final TreeMap<Long, Configuration> entries = new TreeMap<>();
  private long base;
  private Known atBase;

  private ConfigurationHistory(Path file, Supplier<RaftConfiguration> current, long base) {
    this.file = file;
    this.current = current;
    this.base = base;
  }

  /**
   * Loads the record kept in {@code file}, or starts one at the snapshot the state machine loaded.
   *
   * @param file where the record is kept
   * @param snapshotIndex the index of the snapshot loaded at start, or -1 when the state machine starts empty
   * @param current the server's current configuration, for indices the record does not reach
   * @return the history
   * @throws IOException if the file exists and cannot be read
   */
  static ConfigurationHistory load(Path file, long snapshotIndex, Supplier<RaftConfiguration> current)
      throws IOException {
    ConfigurationHistory h = new ConfigurationHistory(file, current, snapshotIndex);
    if (Files.exists(file)) {
      Persisted p = JSON.readValue(file.toFile(), Persisted.class);
      if (p.base() <= snapshotIndex) {
        h.base = p.base();
        h.atBase = p.atBase();
        p.entries().forEach(k -> h.entries.put(k.index(), k.configuration()));
      } else {
        LOG.warn("{} starts at index {}, after the snapshot loaded ({}); starting it again", file, p.base(),
            snapshotIndex);
      }
    }
    return h;
  }

  /**
   * Records a configuration entry the state machine applied (in log order), or one an InstallSnapshot
   * brought; entries at or before the point the record starts add nothing.
   *
   * @param index the entry's index
   * @param configuration the configuration it sets
   * @throws IOException if the record cannot be written; the entry is still remembered in memory
   */
  synchronized void applied(long index, Configuration configuration) throws IOException {
    if (index <= base || configuration.equals(entries.get(index))) {
      return;
    }
    entries.put(index, configuration);
    while (entries.size() > MAX_ENTRIES) {
      Map.Entry<Long, Configuration> oldest = entries.pollFirstEntry();
      base = oldest.getKey();
      atBase = new Known(oldest.getKey(), oldest.getValue());
    }
    save();
  }

  /**
   * Starts the record again at an installed snapshot: the entries between the last one applied here and
   * the snapshot were never seen.
   *
   * @param snapshotIndex the installed snapshot's index
   * @throws IOException if the record cannot be written
   */
  synchronized void installed(long snapshotIndex) throws IOException {
    if (snapshotIndex <= base) {
      return;
    }
    base = snapshotIndex;
    atBase = null;
    entries.headMap(snapshotIndex, true).clear();
    save();
  }

  /**
   * Returns the server's latest configuration (the last in its log, committed or not): what Ratis's group
   * information reports as the configuration.
   *
   * @return the membership, or null if the server has none yet
   */
  Membership latest() {
    RaftConfiguration now = current.get();
    return now == null ? null : ConfigurationMapping.membershipOf(now);
  }

  /**
   * Returns the configuration in force at {@code index}.
   *
   * @param index a log index, such as a snapshot's
   * @return the configuration and its entry's index, which is at most {@code index}; an empty configuration
   *     at index 0 when this server cannot know it
   */
  synchronized Known at(long index) {
    if (index >= base) {
      Map.Entry<Long, Configuration> e = entries.floorEntry(index);
      if (e != null) {
        return new Known(e.getKey(), e.getValue());
      }
      if (atBase != null) {
        return atBase;
      }
    }
    RaftConfiguration now = current.get();
    if (now != null && now.getLogEntryIndex() <= index) {
      // The latest configuration in the log is no later than index: it is the one in force there.
      Known k = new Known(Math.max(0, now.getLogEntryIndex()),
          ConfigurationMapping.of(ConfigurationMapping.membershipOf(now)));
      if (index >= base && now.getLogEntryIndex() <= base) {
        atBase = k;
      }
      return k;
    }
    LOG.warn("the configuration in force at index {} is not known on this server (its record starts at {}, its "
        + "current configuration is from index {}); the archive's Configuration is left empty", index, base,
        now == null ? "?" : now.getLogEntryIndex());
    return new Known(0, Configuration.EMPTY);
  }

  private void save() throws IOException {
    List<Known> list = new ArrayList<>();
    entries.forEach((i, c) -> list.add(new Known(i, c)));
    AtomicFile.write(file, JSON.writeValueAsBytes(new Persisted(base, atBase, list)));
  }
}
