package dev.warren.bench;

import dev.warren.client.Warren;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Create-to-first-exec from the warm sandbox pool: a second controller with
 * {@code WARREN_SANDBOX_POOL=base=}{@link #POOL}, the same sequence as the cold one
 * ({@code POST /v1/sandboxes} with the default spec through the Java SDK, then an exec of
 * {@code true}, then {@code DELETE}), each iteration begun once the pool is full again (its refill
 * is not what this measures). Each measured create is checked to have been handed out from the
 * pool (its {@code sandbox.created} event says so). The controller is closed, and checked to have
 * left nothing, before this returns.
 */
final class PoolSection {
  static final int POOL = 2;
  static final double TARGET_P50_MS = 10;
  private static final Duration POOL_WAIT = Duration.ofSeconds(60);
  private static final Duration T = Duration.ofSeconds(30);
  private static final int MAX_FAILURES = 10;

  private PoolSection() {}

  /**
   * What was measured.
   *
   * @param fromPool measured creates that were handed out from the pool
   * @param remnants what the second controller left on the host
   */
  record Result(Latencies latencies, int fromPool, List<String> remnants) {}

  private record Subject(Latencies.Collector collector, java.util.function.IntConsumer iteration) implements Interleaved.Side {
    @Override
    public void iterate(int i, boolean counted) {
      iteration.accept(counted ? i : -1);
    }
  }

  static Result run(Path benchDir, Options o, Cleanup cleanup, Optional<Latencies> cold, Optional<Latencies> floor) {
    Path data = benchDir.resolve("data-sandbox-pool");
    Report.title("Create-to-first-exec from the warm pool: " + o.iterations() + " iterations after " + o.warmup() + " warm-up");
    long t0 = System.nanoTime();
    BenchWarren pooled = BenchWarren.start(data, Map.of("WARREN_SANDBOX_POOL", "base=" + POOL));
    cleanup.push("the pool section's controller", pooled);
    Cleanup.Budget budget = cleanup.budget("the pool section", o.sectionBudget());
    Latencies.Collector collector = new Latencies.Collector("create (POST /v1/sandboxes, from the pool)", "first exec (true)",
        "create + first exec", "delete");
    AtomicInteger fromPool = new AtomicInteger();
    try (ApiClient api = ApiClient.open(pooled)) {
      Report.note(String.format("second controller with WARREN_SANDBOX_POOL=base=%d started in %.0f ms (instance %s)", POOL,
          (System.nanoTime() - t0) / 1e6, pooled.instance().name()));
      long f0 = System.nanoTime();
      awaitPool(api, budget);
      Report.note(String.format("its pool held %d ready sandboxes %.1f s after the start; each iteration begins once it is full again",
          POOL, (System.nanoTime() - f0) / 1e9));
      Warren client = pooled.client();
      Subject subject = new Subject(collector, i -> {
        awaitPool(api, budget);
        SequentialSection.FirstExec f = SequentialSection.createAndExec(client);
        long d0 = System.nanoTime();
        client.sandboxes().delete(f.id());
        long deleteNanos = System.nanoTime() - d0;
        if (i >= 0) {
          collector.created(f.createNanos(), f.execNanos());
          collector.deleted(deleteNanos);
          if (api.get("/v1/events?subject=" + f.id(), T).expect(200).body().contains("handed out from the pool")) {
            fromPool.incrementAndGet();
          }
        }
      });
      Interleaved.run(List.of(subject), o.warmup(), o.iterations(), MAX_FAILURES, cleanup, budget);
    }
    Latencies l = collector.result();
    Report.note("Warren from the pool (default spec, networked, default limits), through the Java SDK over HTTP; "
        + fromPool.get() + " of " + l.total().n() + " measured creates were handed out from the pool:");
    l.print();
    if (l.total().n() > 0) {
      StringBuilder beside = new StringBuilder(String.format(java.util.Locale.ROOT, "   p50 create + first exec: from the pool %.1f ms (p95 %.1f ms)",
          l.total().p50(), l.total().p95()));
      cold.filter(c -> c.total().n() > 0).ifPresent(c -> beside.append(String.format(java.util.Locale.ROOT, ", cold %.1f ms (p95 %.1f ms)",
          c.total().p50(), c.total().p95())));
      floor.filter(c -> c.total().n() > 0).ifPresent(c -> beside.append(String.format(java.util.Locale.ROOT,
          ", plain crun floor %.1f ms (p95 %.1f ms)", c.total().p50(), c.total().p95())));
      beside.append("; target from the pool <= 10 ms p50");
      Report.line("%s", beside.toString());
    }
    if (cleanup.aborted()) {
      throw new Cleanup.Aborted();
    }
    var instance = pooled.instance();
    pooled.close();
    List<String> remnants = dev.warren.testing.InstanceRemnants.of(instance, data, data);
    Report.note(remnants.isEmpty() ? "second controller closed: nothing of " + instance.name() + " is left"
        : "second controller closed; LEFT BEHIND: " + remnants);
    return new Result(l, fromPool.get(), remnants);
  }

  /** Waits until {@code /readyz} says the pool of base holds {@link #POOL} ready sandboxes. */
  private static void awaitPool(ApiClient api, Cleanup.Budget budget) {
    long deadline = System.nanoTime() + POOL_WAIT.toNanos();
    while (true) {
      int ready = api.get("/readyz", T).json().path("sandboxPool").path("base").path("ready").asInt(0);
      if (ready >= POOL) {
        return;
      }
      budget.check();
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the warm pool holds " + ready + " of " + POOL + " sandboxes after " + POOL_WAIT.toSeconds() + " s");
      }
      BrowserApi.sleep(10);
    }
  }
}
