package io.github.ratissnapshot.archive.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.ratissnapshot.archive.store.RetentionPolicy.Period;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * A simulated year of an agent's cycles with a fake clock: at each cycle one archive is published and the
 * policy applied with a deletion cap, as the agent does. Afterwards exactly the archives the policy names
 * survive, computed here by a different method (grouping the whole history by period), and no cycle ever
 * deleted the newest archive or more than the cap.
 */
class RetentionPolicyPropertiesTest {
  private static final UUID GROUP = UUID.fromString("6ff9a3b6-0f4e-4c4a-9d5e-1c2b3a4d5e6f");
  private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

  @Property(tries = 60)
  void aYearOfCyclesLeavesExactlyWhatThePolicyNames(@ForAll("policies") RetentionPolicy policy,
      @ForAll("seeds") long seed, @ForAll("caps") int cap) {
    Random random = new Random(seed);
    List<StoredArchive> store = new ArrayList<>();
    List<StoredArchive> history = new ArrayList<>();
    Instant clock = START;
    long index = 0;
    while (clock.isBefore(START.plus(Duration.ofDays(366)))) {
      // Cycles every 20 minutes to 2 days; now and then the agent is down for up to three weeks.
      long gapMinutes = random.nextInt(50) == 0 ? 60L * 24 * (1 + random.nextInt(21)) : 20 + random.nextInt(60 * 48);
      clock = clock.plus(Duration.ofMinutes(gapMinutes));
      index += 1 + random.nextInt(1000);
      StoredArchive a = new StoredArchive(new ArchiveName(GROUP, clock, 1, index), 100, null, null);
      store.add(a);
      history.add(a);
      cycle(policy, store, cap);
    }
    // The capped deletions catch up in further cycles without new archives.
    for (int i = 0; i < history.size() && dropsAny(policy, store, cap); i++) {
      cycle(policy, store, cap);
    }

    assertThat(store).containsExactlyElementsOf(expected(policy, history));
  }

  private static void cycle(RetentionPolicy policy, List<StoredArchive> store, int cap) {
    StoredArchive newest = store.get(store.size() - 1);
    RetentionPolicy.Decision d = policy.apply(List.copyOf(store), cap);
    assertThat(d.delete()).hasSizeLessThanOrEqualTo(cap).doesNotContain(newest);
    assertThat(d.keep()).containsKey(newest);
    assertThat(d.keep().size() + d.delete().size() + d.deferred().size()).isEqualTo(store.size());
    store.removeAll(d.delete());
  }

  private static boolean dropsAny(RetentionPolicy policy, List<StoredArchive> store, int cap) {
    return !policy.apply(List.copyOf(store), cap).delete().isEmpty();
  }

  /** The oracle: the whole history grouped by period, the newest of each of the most recent periods. */
  private static Set<StoredArchive> expected(RetentionPolicy policy, List<StoredArchive> history) {
    List<StoredArchive> newestFirst = new ArrayList<>(history);
    newestFirst.sort(Comparator.comparing((StoredArchive a) -> a.name().created()).reversed());
    Set<StoredArchive> keep = new HashSet<>();
    keep.add(newestFirst.get(0));
    keep.addAll(newestFirst.subList(0, Math.min(policy.last(), newestFirst.size())));
    if (policy.within() != null) {
      Instant newest = newestFirst.get(0).name().created();
      history.stream().filter(a -> Duration.between(a.name().created(), newest).compareTo(policy.within()) < 0)
          .forEach(keep::add);
    }
    policy.calendar().forEach((period, n) -> {
      TreeMap<Long, StoredArchive> newestOfBucket = new TreeMap<>(Comparator.reverseOrder());
      for (StoredArchive a : history) {
        newestOfBucket.merge(period.bucket(a.name().created()), a,
            (x, y) -> x.name().created().isAfter(y.name().created()) ? x : y);
      }
      newestOfBucket.values().stream().limit(n).forEach(keep::add);
    });
    Set<StoredArchive> inOrder = new LinkedHashSet<>();
    history.stream().filter(keep::contains).forEach(inOrder::add);
    return inOrder;
  }

  @Provide
  Arbitrary<RetentionPolicy> policies() {
    Arbitrary<Integer> last = Arbitraries.integers().between(0, 30);
    Arbitrary<Duration> within = Arbitraries.integers().between(0, 90)
        .map(days -> days == 0 ? null : Duration.ofHours(days * 24L - 5));
    Arbitrary<Map<Period, Integer>> calendar = Arbitraries.integers().between(0, 40).list().ofSize(4).map(counts -> {
      Map<Period, Integer> m = new EnumMap<>(Period.class);
      for (Period p : Period.values()) {
        if (counts.get(p.ordinal()) > 0) {
          m.put(p, counts.get(p.ordinal()));
        }
      }
      return m;
    });
    return Combinators.combine(last, within, calendar).as((l, w, c) -> l == 0 && w == null && c.isEmpty()
        ? new RetentionPolicy(1, null, c) : new RetentionPolicy(l, w, c));
  }

  @Provide
  Arbitrary<Long> seeds() {
    return Arbitraries.longs();
  }

  @Provide
  Arbitrary<Integer> caps() {
    return Arbitraries.of(1, 3, 10, 1000);
  }
}
