package io.github.ratissnapshot.examples.drill;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** The drill's steps as they happen: name, time, outcome, details; printed as they complete. */
final class DrillReport {
  record Step(String name, double seconds, boolean passed, String detail) {}

  private final PrintWriter out;
  private final List<Step> steps = new ArrayList<>();

  DrillReport(PrintWriter out) {
    this.out = out;
  }

  void add(Step s) {
    steps.add(s);
    out.printf("%-4s %-52s %6.2f s  %s%n", s.passed() ? "ok" : "FAIL", s.name(), s.seconds(), s.detail());
    out.flush();
  }

  boolean passed() {
    return steps.stream().allMatch(Step::passed);
  }

  double totalSeconds() {
    return steps.stream().mapToDouble(Step::seconds).sum();
  }

  int count() {
    return steps.size();
  }
}
