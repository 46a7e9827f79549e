package dev.warren.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The latencies one create-to-first-exec section measured, with what went wrong on the way.
 *
 * @param total create + first exec, as one client sees it (the target is on its p50)
 * @param failures iterations that failed (not counted in the figures)
 * @param errors the first few failure messages
 * @param cutShort why the section stopped early, if it did
 */
record Latencies(Stats create, Stats firstExec, Stats total, Stats delete, int failures, List<String> errors,
    Optional<String> cutShort) {

  Latencies {
    errors = List.copyOf(errors);
  }

  /** Whether every planned iteration ran and none failed. */
  boolean complete() {
    return failures == 0 && cutShort.isEmpty();
  }

  void print() {
    Report.latencies(List.of(create, firstExec, total, delete));
    if (failures > 0) {
      Report.note(failures + " iteration(s) failed and are not counted; first errors:");
      errors.forEach(e -> Report.note("  " + e));
    }
    cutShort.ifPresent(c -> Report.note("cut short: " + c));
  }

  /** Collects the samples of a running section; thread-safe. */
  static final class Collector {
    private final Stats.Series create;
    private final Stats.Series firstExec;
    private final Stats.Series total;
    private final Stats.Series delete;
    private final List<String> errors = new ArrayList<>();
    private int failures;
    private String cutShort;

    Collector(String createName, String execName, String totalName, String deleteName) {
      create = new Stats.Series(createName);
      firstExec = new Stats.Series(execName);
      total = new Stats.Series(totalName);
      delete = new Stats.Series(deleteName);
    }

    void created(long createNanos, long execNanos) {
      create.add(createNanos);
      firstExec.add(execNanos);
      total.add(createNanos + execNanos);
    }

    void deleted(long nanos) {
      delete.add(nanos);
    }

    synchronized void failed(String what, RuntimeException e) {
      failures++;
      if (errors.size() < 5) {
        errors.add(what + ": " + e.getMessage());
      }
    }

    synchronized int failures() {
      return failures;
    }

    synchronized void cutShort(String why) {
      cutShort = why;
    }

    synchronized Latencies result() {
      return new Latencies(create.stats(), firstExec.stats(), total.stats(), delete.stats(), failures, errors,
          Optional.ofNullable(cutShort));
    }
  }
}
