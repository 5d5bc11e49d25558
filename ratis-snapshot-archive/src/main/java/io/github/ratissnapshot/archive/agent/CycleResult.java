package io.github.ratissnapshot.archive.agent;

import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What one cycle of the {@link BackupAgent} did.
 *
 * @param start when it started
 * @param end when it ended
 * @param outcome published, skipped (nothing changed), standby (another agent archives) or failed
 * @param stage for a failure, the stage that failed ({@code clean-up}, {@code check}, {@code save},
 *     {@code verify}, {@code publish}, {@code check-upload}, {@code retention}, {@code lease}); else the last
 *     stage run
 * @param message what happened, for people: the failure's cause, or why the cycle skipped
 * @param term the archive's term, or -1
 * @param index the archive's log index (for a skip, the index that did not move), or -1
 * @param archiveBytes the archive's size, or 0
 * @param published where the archive was published, as {@code <location>/<key>}
 * @param deleted what retention deleted, as {@code <location>/<key>}
 * @param cleanedUp what the clean-up removed that an interrupted publish had left (a temporary file, an
 *     unfinished multipart upload), as {@code <location>/<group>/<what>}
 * @param stages how long each stage that ran took, in the order they ran
 * @param kept after a publish, how many of the group's archives each destination holds, by location
 */
public record CycleResult(Instant start, Instant end, Outcome outcome, String stage, String message, long term,
    long index, long archiveBytes, List<String> published, List<String> deleted, List<String> cleanedUp,
    Map<String, Duration> stages,
    Map<String, Integer> kept) {
  /** How a cycle ended. */
  public enum Outcome {
    /** A new archive was saved, verified and published to every destination. */
    PUBLISHED,
    /** Nothing had changed since the newest archive (or there was nothing to archive); nothing was saved. */
    SKIPPED,
    /** Another agent holds the group's archiving lease; this one stands by. */
    STANDBY,
    /** A stage failed; see {@link #stage()} and {@link #message()}. */
    FAILED
  }

  /** Validates and copies. */
  public CycleResult {
    Objects.requireNonNull(outcome, "outcome");
    published = List.copyOf(published);
    deleted = List.copyOf(deleted);
    cleanedUp = List.copyOf(cleanedUp);
    stages = Collections.unmodifiableMap(new LinkedHashMap<>(stages));
    kept = Collections.unmodifiableMap(new LinkedHashMap<>(kept));
  }

  /** Returns how long the cycle took. */
  public Duration duration() {
    return Duration.between(start, end);
  }
}
