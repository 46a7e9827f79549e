package dev.warren.bench;

import java.util.List;

/**
 * The loop of a section that measures one iteration at a time on one or more sides (Warren and its
 * floor): each round runs every side once, the side that goes first rotating so that neither always
 * runs right after the other and whatever else loads the host weighs on both alike.
 */
final class Interleaved {

  private Interleaved() {}

  /** One measured side. */
  interface Side {
    Latencies.Collector collector();

    /** Runs iteration {@code i}; records its latencies in {@link #collector()} when {@code counted} (past the warm-up). */
    void iterate(int i, boolean counted);
  }

  /**
   * Runs {@code warmup + iterations} rounds. An iteration that throws is a failure of its side,
   * which stops after {@code maxFailures}; when the budget runs out every side is cut short. An
   * abort of the whole run propagates.
   */
  static void run(List<? extends Side> sides, int warmup, int iterations, int maxFailures, Cleanup cleanup, Cleanup.Budget budget) {
    try {
      for (int i = 0; i < warmup + iterations; i++) {
        for (int k = 0; k < sides.size(); k++) {
          Side s = sides.get((i + k) % sides.size());
          budget.check();
          if (s.collector().failures() >= maxFailures) {
            continue;
          }
          try (Cleanup.Op op = cleanup.begin()) {
            s.iterate(i, i >= warmup);
          } catch (Cleanup.Aborted | Cleanup.OutOfTime e) {
            throw e;
          } catch (RuntimeException e) {
            s.collector().failed("iteration " + i, e);
            if (s.collector().failures() >= maxFailures) {
              s.collector().cutShort("stopped after " + maxFailures + " failures");
            }
          }
        }
      }
    } catch (Cleanup.OutOfTime e) {
      sides.forEach(s -> s.collector().cutShort(e.getMessage()));
    }
  }
}
