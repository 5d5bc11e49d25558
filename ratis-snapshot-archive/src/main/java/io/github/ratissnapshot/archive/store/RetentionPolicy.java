package io.github.ratissnapshot.archive.store;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.IsoFields;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Which archives of one group to keep, as restic and borg decide it. Every rule names archives to keep, and
 * an archive survives if any rule names it:
 *
 * <ul>
 *   <li>{@code last=N}: the N newest;
 *   <li>{@code within=D} ({@code 36h}, {@code 30d}): every archive created less than D before the newest one
 *       (measured from the newest archive, not the clock, so an agent that stopped for a month does not
 *       find its history expired when it starts again);
 *   <li>{@code hourly=N}, {@code daily=N}, {@code weekly=N}, {@code monthly=N}: the newest archive of each of
 *       the N most recent hours, days, ISO weeks or months (UTC) that have one.
 * </ul>
 *
 * <p>Whatever the rules, the newest archive is always kept, and one application deletes at most a given
 * number of archives (the oldest first); the rest wait for the next. An immutable value.
 *
 * @param last how many of the newest to keep, 0 for none by this rule
 * @param within how long before the newest to keep everything, or null for none by this rule
 * @param calendar how many periods of each kind to keep one archive of
 */
public record RetentionPolicy(int last, Duration within, Map<Period, Integer> calendar) {
  /** A calendar period, in UTC. */
  public enum Period {
    /** An hour. */
    HOURLY,
    /** A day. */
    DAILY,
    /** An ISO-8601 week (Monday to Sunday, in its week-based year). */
    WEEKLY,
    /** A month. */
    MONTHLY;

    /** Returns a key equal for two instants exactly when they fall in the same period. */
    public long bucket(Instant t) {
      ZonedDateTime z = t.atZone(ZoneOffset.UTC);
      return switch (this) {
        case HOURLY -> Math.floorDiv(t.getEpochSecond(), 3600);
        case DAILY -> z.toLocalDate().toEpochDay();
        case WEEKLY -> z.get(IsoFields.WEEK_BASED_YEAR) * 100L + z.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR);
        case MONTHLY -> z.getYear() * 100L + z.getMonthValue();
      };
    }
  }

  /**
   * What an application of the policy decided.
   *
   * @param keep the archives kept, oldest first, each with why
   * @param delete the archives to delete now, oldest first
   * @param deferred the archives the policy drops but the deletion cap leaves for a later application
   */
  public record Decision(Map<StoredArchive, List<String>> keep, List<StoredArchive> delete,
      List<StoredArchive> deferred) {
    /** Copies. */
    public Decision {
      keep = Collections.unmodifiableMap(new LinkedHashMap<>(keep));
      delete = List.copyOf(delete);
      deferred = List.copyOf(deferred);
    }
  }

  /** Validates and copies. */
  public RetentionPolicy {
    if (last < 0) {
      throw new IllegalArgumentException("last=" + last + " must not be negative");
    }
    if (within != null && (within.isNegative() || within.isZero())) {
      throw new IllegalArgumentException("within=" + within + " must be positive");
    }
    EnumMap<Period, Integer> c = new EnumMap<>(Period.class);
    c.putAll(Objects.requireNonNull(calendar, "calendar"));
    c.forEach((p, n) -> {
      if (n == null || n < 1) {
        throw new IllegalArgumentException(p.name().toLowerCase(Locale.ROOT) + "=" + n + " must be at least 1");
      }
    });
    calendar = Collections.unmodifiableMap(c);
    if (last == 0 && within == null && calendar.isEmpty()) {
      throw new IllegalArgumentException("a retention policy needs at least one rule (last=N, within=D, "
          + "hourly=N, daily=N, weekly=N, monthly=N)");
    }
  }

  /**
   * Parses rules such as {@code last=7}, {@code within=30d}, {@code daily=7,weekly=4,monthly=12}; several
   * specs add up.
   *
   * @param specs the specs, each one or more comma-separated {@code rule=value}
   * @return the policy
   * @throws IllegalArgumentException naming the rule that does not parse, or when a rule repeats
   */
  public static RetentionPolicy parse(List<String> specs) {
    int last = 0;
    Duration within = null;
    Map<Period, Integer> calendar = new EnumMap<>(Period.class);
    List<String> seen = new ArrayList<>();
    for (String spec : specs) {
      for (String rule : spec.split(",")) {
        String r = rule.strip().toLowerCase(Locale.ROOT);
        int eq = r.indexOf('=');
        if (eq < 1) {
          throw new IllegalArgumentException("'" + rule.strip() + "' is not a retention rule (e.g. last=7, "
              + "within=30d, daily=7)");
        }
        String key = r.substring(0, eq);
        String value = r.substring(eq + 1);
        if (seen.contains(key)) {
          throw new IllegalArgumentException("retention rule '" + key + "' is given twice");
        }
        seen.add(key);
        switch (key) {
          case "last" -> last = count(key, value);
          case "within" -> within = duration(value);
          case "hourly", "daily", "weekly", "monthly" ->
              calendar.put(Period.valueOf(key.toUpperCase(Locale.ROOT)), count(key, value));
          default -> throw new IllegalArgumentException("unknown retention rule '" + key + "' (last, within, "
              + "hourly, daily, weekly, monthly)");
        }
      }
    }
    return new RetentionPolicy(last, within, calendar);
  }

  /**
   * Decides which archives to keep and delete.
   *
   * @param archives one group's archives, oldest first (as a store lists them)
   * @param maxDeletes the most archives to delete in this application, at least 0
   * @return the decision; the newest archive is always kept
   */
  public Decision apply(List<StoredArchive> archives, int maxDeletes) {
    if (maxDeletes < 0) {
      throw new IllegalArgumentException("maxDeletes " + maxDeletes);
    }
    List<StoredArchive> newestFirst = new ArrayList<>(archives);
    Collections.reverse(newestFirst);
    Map<StoredArchive, List<String>> reasons = new LinkedHashMap<>();
    if (newestFirst.isEmpty()) {
      return new Decision(reasons, List.of(), List.of());
    }
    keep(reasons, newestFirst.get(0), "newest");
    for (int i = 0; i < Math.min(last, newestFirst.size()); i++) {
      keep(reasons, newestFirst.get(i), "last " + last);
    }
    if (within != null) {
      Instant cutoff = newestFirst.get(0).name().created().minus(within);
      newestFirst.stream().filter(a -> a.name().created().isAfter(cutoff))
          .forEach(a -> keep(reasons, a, "within " + describe(within)));
    }
    calendar.forEach((period, n) -> {
      long previous = Long.MIN_VALUE;
      int kept = 0;
      for (StoredArchive a : newestFirst) {
        long bucket = period.bucket(a.name().created());
        if (bucket != previous) {
          previous = bucket;
          if (kept++ == n) {
            break;
          }
          keep(reasons, a, period.name().toLowerCase(Locale.ROOT) + " " + n);
        }
      }
    });
    Map<StoredArchive, List<String>> keep = new LinkedHashMap<>();
    List<StoredArchive> delete = new ArrayList<>();
    List<StoredArchive> deferred = new ArrayList<>();
    for (StoredArchive a : archives) {
      if (reasons.containsKey(a)) {
        keep.put(a, reasons.get(a));
      } else if (delete.size() < maxDeletes) {
        delete.add(a);
      } else {
        deferred.add(a);
      }
    }
    return new Decision(keep, delete, deferred);
  }

  private static void keep(Map<StoredArchive, List<String>> reasons, StoredArchive a, String why) {
    List<String> list = reasons.computeIfAbsent(a, k -> new ArrayList<>());
    if (!list.contains(why)) {
      list.add(why);
    }
  }

  private static int count(String key, String value) {
    try {
      int n = Integer.parseInt(value);
      if (n >= 1) {
        return n;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw new IllegalArgumentException(key + "=" + value + ": the count must be a whole number of at least 1");
  }

  private static Duration duration(String value) {
    try {
      long n = Long.parseLong(value.substring(0, value.length() - 1));
      Duration d = switch (value.charAt(value.length() - 1)) {
        case 'm' -> Duration.ofMinutes(n);
        case 'h' -> Duration.ofHours(n);
        case 'd' -> Duration.ofDays(n);
        default -> null;
      };
      if (d != null && !d.isNegative() && !d.isZero()) {
        return d;
      }
    } catch (RuntimeException e) {
      // below
    }
    throw new IllegalArgumentException("within=" + value + ": not a positive duration (e.g. 90m, 36h, 30d)");
  }

  private static String describe(Duration d) {
    if (d.toMinutesPart() == 0 && d.toHoursPart() == 0 && d.toSecondsPart() == 0) {
      return d.toDays() + "d";
    }
    return d.toMinutes() % 60 == 0 ? d.toHours() + "h" : d.toMinutes() + "m";
  }
}
