package io.github.ratissnapshot.archive.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class RetentionPolicyTest {
  private static final UUID GROUP = UUID.randomUUID();

  private static StoredArchive at(String time, long index) {
    return new StoredArchive(new ArchiveName(GROUP, Instant.parse(time), 1, index), 10, null, null);
  }

  @Test
  void rulesAddUpAndEachKeptArchiveSaysWhy() {
    List<StoredArchive> archives = List.of(at("2026-11-30T10:00:00Z", 1), at("2026-12-01T09:00:00Z", 2),
        at("2026-12-01T18:00:00Z", 3), at("2026-12-02T08:00:00Z", 4), at("2026-12-02T09:00:00Z", 5));

    RetentionPolicy.Decision d = RetentionPolicy.parse(List.of("last=1", "daily=2")).apply(archives, 10);

    assertThat(d.keep()).containsOnlyKeys(archives.get(2), archives.get(4));
    assertThat(d.keep().get(archives.get(4))).containsExactly("newest", "last 1", "daily 2");
    assertThat(d.keep().get(archives.get(2))).containsExactly("daily 2");
    assertThat(d.delete()).containsExactly(archives.get(0), archives.get(1), archives.get(3));
    assertThat(d.deferred()).isEmpty();
  }

  @Test
  void withinCountsBackFromTheNewestArchiveNotFromTheClock() {
    List<StoredArchive> archives = List.of(at("2026-01-01T00:00:00Z", 1), at("2026-01-20T00:00:00Z", 2),
        at("2026-01-30T00:00:00Z", 3));

    RetentionPolicy.Decision d = RetentionPolicy.parse(List.of("within=15d")).apply(archives, 10);

    assertThat(d.keep()).containsOnlyKeys(archives.get(1), archives.get(2));
  }

  @Test
  void theNewestIsKeptAndDeletionsAreCappedOldestFirst() {
    List<StoredArchive> archives = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      archives.add(at("2026-12-0" + (i + 1) + "T00:00:00Z", i));
    }

    RetentionPolicy.Decision d = RetentionPolicy.parse(List.of("within=1m")).apply(archives, 2);

    assertThat(d.keep()).containsOnlyKeys(archives.get(5));
    assertThat(d.delete()).containsExactly(archives.get(0), archives.get(1));
    assertThat(d.deferred()).containsExactly(archives.get(2), archives.get(3), archives.get(4));
  }

  @Test
  void aBadRuleIsNamed() {
    assertThatThrownBy(() -> RetentionPolicy.parse(List.of("last=0")))
        .hasMessage("last=0: the count must be a whole number of at least 1");
    assertThatThrownBy(() -> RetentionPolicy.parse(List.of("daily=7,yearly=2")))
        .hasMessage("unknown retention rule 'yearly' (last, within, hourly, daily, weekly, monthly)");
    assertThatThrownBy(() -> RetentionPolicy.parse(List.of("within=30")))
        .hasMessage("within=30: not a positive duration (e.g. 90m, 36h, 30d)");
    assertThatThrownBy(() -> RetentionPolicy.parse(List.of("last=3", "last=4")))
        .hasMessage("retention rule 'last' is given twice");
    assertThatThrownBy(() -> RetentionPolicy.parse(List.of("seven")))
        .hasMessage("'seven' is not a retention rule (e.g. last=7, within=30d, daily=7)");
    assertThatThrownBy(() -> RetentionPolicy.parse(List.of()))
        .hasMessageStartingWith("a retention policy needs at least one rule");
  }
}
