package dev.warren.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Round trips measured side by side: each probe runs its warm-up first, then the measured
 * iterations run in {@link #ROUNDS} rounds, each round a block of every probe, with the probe that
 * goes first rotating. Load from other work on the shared host then weighs on every probe alike,
 * and the ratios between them stay fair. Iterations are sequential, one at a time.
 */
final class RoundTrips {
  static final int ROUNDS = 10;
  private static final int MAX_FAILURES = 10;

  private RoundTrips() {}

  /** One way of running something; returns the nanoseconds measured and checks the answer outside them. */
  @FunctionalInterface
  interface Probe {
    long once();
  }

  /**
   * One probe's plan: {@code measured} iterations in all ({@code measured / ROUNDS} per round).
   *
   * @param name the row's label
   */
  record Plan(String name, int warmup, int measured, Probe probe) {
    Plan {
      if (measured % ROUNDS != 0) {
        throw new IllegalArgumentException(name + ": measured must be a multiple of " + ROUNDS + ", got " + measured);
      }
    }
  }

  /**
   * What one probe measured; failed iterations are not in the figures.
   *
   * @param rounds the samples of each round, in order (shows drift: warm-up, load from elsewhere)
   */
  record Measured(Stats stats, List<Stats> rounds, int failures, List<String> errors, Optional<String> cutShort) {
    Measured {
      rounds = List.copyOf(rounds);
      errors = List.copyOf(errors);
    }

    boolean complete() {
      return failures == 0 && cutShort.isEmpty();
    }
  }

  private static final class Run {
    final Plan plan;
    final Stats.Series series;
    final List<Stats.Series> rounds = new ArrayList<>();
    final List<String> errors = new ArrayList<>();
    int failures;
    String cutShort;

    Run(Plan plan) {
      this.plan = plan;
      this.series = new Stats.Series(plan.name());
    }

    /** Runs the probe once; {@code round} is null during the warm-up (not counted). */
    void once(Stats.Series round, Cleanup cleanup) {
      if (failures >= MAX_FAILURES) {
        return;
      }
      try (Cleanup.Op op = cleanup.begin()) {
        long nanos = plan.probe().once();
        if (round != null) {
          series.add(nanos);
          round.add(nanos);
        }
      } catch (Cleanup.Aborted | Cleanup.OutOfTime e) {
        throw e;
      } catch (RuntimeException e) {
        failures++;
        if (errors.size() < 5) {
          errors.add(e.getMessage());
        }
        if (failures >= MAX_FAILURES) {
          cutShort = "stopped after " + MAX_FAILURES + " failures";
        }
      }
    }

    Measured result() {
      List<Stats> perRound = rounds.stream().map(Stats.Series::stats).toList();
      return new Measured(series.stats(), perRound, failures, errors, Optional.ofNullable(cutShort));
    }
  }

  /** Runs the plans; the answers are in the plans' order. */
  static List<Measured> run(List<Plan> plans, Cleanup cleanup, Cleanup.Budget budget) {
    List<Run> runs = plans.stream().map(Run::new).toList();
    try {
      for (Run r : runs) {
        for (int i = 0; i < r.plan.warmup(); i++) {
          budget.check();
          r.once(null, cleanup);
        }
      }
      for (int round = 0; round < ROUNDS; round++) {
        for (int k = 0; k < runs.size(); k++) {
          Run r = runs.get((round + k) % runs.size());
          Stats.Series samples = new Stats.Series("round " + (round + 1));
          r.rounds.add(samples);
          for (int i = 0; i < r.plan.measured() / ROUNDS; i++) {
            budget.check();
            r.once(samples, cleanup);
          }
        }
      }
    } catch (Cleanup.OutOfTime e) {
      runs.forEach(r -> r.cutShort = e.getMessage());
    }
    return runs.stream().map(Run::result).toList();
  }
}
