package dev.warren.bench;

import dev.warren.client.Warren;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * N clients at once: N virtual threads wait at a gate, then each creates a sandbox and runs its
 * first exec. Reports each client's latencies and the wall time from the gate opening to the last
 * one done; then deletes all N at once the same way.
 */
final class ConcurrentSection {
  private ConcurrentSection() {}

  /** The latencies plus the wall times of the two bursts. */
  record Result(Latencies latencies, long createWallNanos, long deleteWallNanos) {}

  static Result run(BenchWarren w, Options o, Cleanup cleanup) {
    int n = o.concurrency();
    Report.title(n + " concurrent create-to-first-exec (virtual threads released together), then " + n + " concurrent deletes");
    Cleanup.Budget budget = cleanup.budget("the concurrent section", o.sectionBudget());
    Warren warren = w.client();
    Latencies.Collector c = new Latencies.Collector("create", "first exec", "create + first exec", "delete");
    List<String> ids = new ArrayList<>();
    long createWall = burst(n, budget, c, "create", i -> {
      SequentialSection.FirstExec f = SequentialSection.createAndExec(warren);
      c.created(f.createNanos(), f.execNanos());
      return f.id();
    }, ids, cleanup);
    List<String> deletedIds = new ArrayList<>();
    long deleteWall = burst(ids.size(), budget, c, "delete", i -> {
      long t0 = System.nanoTime();
      warren.sandboxes().delete(ids.get(i));
      c.deleted(System.nanoTime() - t0);
      return ids.get(i);
    }, deletedIds, cleanup);
    Latencies l = c.result();
    l.print();
    Report.line("   wall time: %s ms for %d creates + first execs, %s ms for %d deletes", Report.ms(createWall / 1e6), n,
        Report.ms(deleteWall / 1e6), ids.size());
    return new Result(l, createWall, deleteWall);
  }

  /**
   * Runs {@code n} tasks released together; returns the wall time from release to the last end.
   * Results of tasks that succeeded are added to {@code out}; failures are recorded in {@code c}.
   */
  private static long burst(int n, Cleanup.Budget budget, Latencies.Collector c, String what, Function<Integer, String> task,
      List<String> out, Cleanup cleanup) {
    if (n == 0) {
      return 0;
    }
    budget.check();
    CountDownLatch ready = new CountDownLatch(n);
    CountDownLatch gate = new CountDownLatch(1);
    AtomicLong lastEnd = new AtomicLong();
    List<Future<Optional<String>>> futures = new ArrayList<>();
    long start;
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < n; i++) {
        int index = i;
        futures.add(pool.submit(() -> {
          ready.countDown();
          if (!gate.await(1, TimeUnit.MINUTES)) {
            return Optional.<String>empty();
          }
          try (Cleanup.Op op = cleanup.begin()) {
            return Optional.of(task.apply(index));
          } catch (RuntimeException e) {
            c.failed(what + " " + index, e);
            return Optional.<String>empty();
          } finally {
            lastEnd.accumulateAndGet(System.nanoTime(), Math::max);
          }
        }));
      }
      await(ready);
      start = System.nanoTime();
      gate.countDown();
      for (Future<Optional<String>> f : futures) {
        try {
          f.get(Math.max(1, budget.remainingNanos()), TimeUnit.NANOSECONDS).ifPresent(out::add);
        } catch (TimeoutException e) {
          c.cutShort("the " + what + " burst did not finish within the section's time limit");
          f.cancel(true);
        } catch (ExecutionException e) {
          c.failed(what, new IllegalStateException(e.getCause()));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new Cleanup.Aborted();
        }
      }
    }
    return lastEnd.get() - start;
  }

  private static void await(CountDownLatch latch) {
    try {
      if (!latch.await(1, TimeUnit.MINUTES)) {
        throw new IllegalStateException("the virtual threads did not start within a minute");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Cleanup.Aborted();
    }
  }
}
