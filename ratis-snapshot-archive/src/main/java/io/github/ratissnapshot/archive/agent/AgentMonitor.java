package io.github.ratissnapshot.archive.agent;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Watches a {@link BackupAgent}: told each {@link CycleResult}, it keeps the status an operator asks for
 * ({@link #status()}) and records metrics in a Micrometer registry:
 *
 * <ul>
 *   <li>{@code ratis.snapshot.agent.cycles} (counter, tag {@code outcome}: published, skipped, standby, failed);
 *   <li>{@code ratis.snapshot.agent.failures} (counter, tag {@code stage});
 *   <li>{@code ratis.snapshot.agent.stage} (timer, tag {@code stage}): how long each stage takes;
 *   <li>{@code ratis.snapshot.agent.archive} (summary, bytes): the size of each published archive;
 *   <li>{@code ratis.snapshot.agent.last.success.time} (gauge, seconds since the epoch; 0 before the first);
 *   <li>{@code ratis.snapshot.agent.consecutive.failures} and {@code ratis.snapshot.agent.healthy} (gauges);
 *   <li>{@code ratis.snapshot.agent.archives.kept} (gauge, tag {@code destination}).
 * </ul>
 *
 * <p>Safe for one thread reporting and any number reading.
 */
public final class AgentMonitor implements Consumer<CycleResult> {
  private final MeterRegistry registry;
  private final int maxFailures;
  private final Duration interval;
  private final AtomicLong lastSuccess = new AtomicLong();
  private final AtomicLong consecutiveFailures = new AtomicLong();
  private final Map<String, AtomicLong> kept = new ConcurrentHashMap<>();
  private volatile CycleResult last;

  /**
   * Creates a monitor.
   *
   * @param registry where the metrics go
   * @param maxFailures failed cycles in a row after which the agent is unhealthy, at least 1
   * @param interval the time between cycle starts, for the next run; null for a single cycle
   */
  public AgentMonitor(MeterRegistry registry, int maxFailures, Duration interval) {
    if (maxFailures < 1) {
      throw new IllegalArgumentException("maxFailures " + maxFailures);
    }
    this.registry = registry;
    this.maxFailures = maxFailures;
    this.interval = interval;
    Gauge.builder("ratis.snapshot.agent.last.success.time", lastSuccess, AtomicLong::get).baseUnit("seconds")
        .description("When the last cycle that published or skipped ended").register(registry);
    Gauge.builder("ratis.snapshot.agent.consecutive.failures", consecutiveFailures, AtomicLong::get)
        .description("Failed cycles in a row").register(registry);
    Gauge.builder("ratis.snapshot.agent.healthy", this, m -> m.healthy() ? 1 : 0)
        .description("1 while fewer than max-failures cycles in a row failed").register(registry);
  }

  @Override
  public void accept(CycleResult r) {
    last = r;
    Counter.builder("ratis.snapshot.agent.cycles").tag("outcome", r.outcome().name().toLowerCase(Locale.ROOT))
        .register(registry).increment();
    r.stages().forEach((stage, took) -> Timer.builder("ratis.snapshot.agent.stage").tag("stage", stage)
        .register(registry).record(took));
    if (r.outcome() == CycleResult.Outcome.STANDBY) {
      consecutiveFailures.set(0); // another agent archives; standing by is healthy
      return;
    }
    if (r.outcome() == CycleResult.Outcome.FAILED) {
      consecutiveFailures.incrementAndGet();
      Counter.builder("ratis.snapshot.agent.failures").tag("stage", r.stage()).register(registry).increment();
      return;
    }
    consecutiveFailures.set(0);
    lastSuccess.set(r.end().getEpochSecond());
    if (r.outcome() == CycleResult.Outcome.PUBLISHED) {
      DistributionSummary.builder("ratis.snapshot.agent.archive").baseUnit("bytes").register(registry)
          .record(r.archiveBytes());
      r.kept().forEach((destination, n) -> kept.computeIfAbsent(destination, d -> {
        AtomicLong g = new AtomicLong();
        Gauge.builder("ratis.snapshot.agent.archives.kept", g, AtomicLong::get).tag("destination", d)
            .register(registry);
        return g;
      }).set(n));
    }
  }

  /** Returns how many cycles in a row failed. */
  public long consecutiveFailures() {
    return consecutiveFailures.get();
  }

  /** Returns whether fewer than max-failures cycles in a row failed. */
  public boolean healthy() {
    return consecutiveFailures.get() < maxFailures;
  }

  /**
   * Returns the status as {@code /status} serves it: the last cycle's start, end, outcome, stage, error,
   * term, index, bytes and where it published, the next run, the last success, the failures in a row and
   * whether the agent is healthy.
   *
   * @return a map of JSON-ready values
   */
  public Map<String, Object> status() {
    CycleResult r = last;
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("healthy", healthy());
    m.put("consecutiveFailures", consecutiveFailures.get());
    m.put("lastSuccess", lastSuccess.get() == 0 ? null : Instant.ofEpochSecond(lastSuccess.get()).toString());
    if (r == null) {
      m.put("lastCycle", null);
      return m;
    }
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("start", r.start().toString());
    c.put("end", r.end().toString());
    c.put("outcome", r.outcome().name().toLowerCase(Locale.ROOT));
    c.put("stage", r.stage());
    c.put("error", r.outcome() == CycleResult.Outcome.FAILED ? r.message() : null);
    c.put("message", r.message());
    c.put("term", r.term());
    c.put("index", r.index());
    c.put("bytes", r.archiveBytes());
    c.put("published", r.published());
    c.put("deleted", r.deleted());
    m.put("lastCycle", c);
    m.put("nextRun", interval == null ? null : r.start().plus(interval).toString());
    return m;
  }
}
