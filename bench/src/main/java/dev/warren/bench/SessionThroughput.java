package dev.warren.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Commands per second: N client threads, each with its own connection and its own session, submit
 * {@code true} synchronously, back to back, for {@link #WINDOW}. Each client warms up first; then
 * all are released together. The rate is the commands answered divided by the wall time from the
 * release to the last answer.
 */
final class SessionThroughput {
  static final Duration WINDOW = Duration.ofSeconds(10);
  static final int WARMUP = 20;
  private static final int MAX_FAILURES = 10;

  private SessionThroughput() {}

  /** What N clients did in the window. */
  record Result(int clients, long commands, long wallNanos, Stats latency, int failures, List<String> errors) {
    Result {
      errors = List.copyOf(errors);
    }

    double perSecond() {
      return wallNanos == 0 ? Double.NaN : commands / (wallNanos / 1e9);
    }
  }

  static Result run(BenchWarren w, SessionSandbox sandbox, List<String> sessions, Cleanup cleanup, Cleanup.Budget budget) {
    budget.check();
    int n = sessions.size();
    Stats.Series latency = new Stats.Series("command `true`, " + n + (n == 1 ? " session" : " sessions"));
    CountDownLatch ready = new CountDownLatch(n);
    CountDownLatch gate = new CountDownLatch(1);
    AtomicLong start = new AtomicLong();
    AtomicLong lastEnd = new AtomicLong();
    AtomicLong commands = new AtomicLong();
    AtomicInteger failures = new AtomicInteger();
    List<String> errors = Collections.synchronizedList(new ArrayList<>());
    List<Thread> clients = new ArrayList<>();
    String body = ApiClient.field("command", "true");
    for (String sid : sessions) {
      clients.add(Thread.ofVirtual().name("client-" + sid).start(() -> {
        String path = sandbox.path("/sessions/" + sid + "/commands");
        try (ApiClient api = ApiClient.open(w)) {
          try {
            for (int i = 0; i < WARMUP; i++) {
              SessionSandbox.expectFinished(api.post(path, body, SessionSandbox.COMMAND_T), "true");
            }
          } finally {
            ready.countDown();
          }
          if (!gate.await(2, TimeUnit.MINUTES)) {
            throw new IllegalStateException("the clients were not released within 2 minutes");
          }
          long deadline = start.get() + WINDOW.toNanos();
          while (System.nanoTime() < deadline && failures.get() < MAX_FAILURES) {
            try (Cleanup.Op op = cleanup.begin()) {
              long t0 = System.nanoTime();
              ApiClient.Answer a = api.post(path, body, SessionSandbox.COMMAND_T);
              long t1 = System.nanoTime();
              SessionSandbox.expectFinished(a, "true");
              latency.add(t1 - t0);
              commands.incrementAndGet();
              lastEnd.accumulateAndGet(t1, Math::max);
            } catch (Cleanup.Aborted e) {
              return;
            } catch (RuntimeException e) {
              failures.incrementAndGet();
              errors.add(sid + ": " + e.getMessage());
            }
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
          failures.incrementAndGet();
          errors.add(sid + ": " + e.getMessage());
        }
      }));
    }
    boolean joined = false;
    try {
      if (!ready.await(2, TimeUnit.MINUTES)) {
        throw new IllegalStateException("the " + n + " clients did not finish their warm-up within 2 minutes");
      }
      start.set(System.nanoTime());
      gate.countDown();
      long joinBy = System.nanoTime() + WINDOW.toNanos() + Duration.ofMinutes(2).toNanos();
      for (Thread t : clients) {
        long left = joinBy - System.nanoTime();
        if (left <= 0 || !t.join(Duration.ofNanos(left))) {
          throw new IllegalStateException("a client of the throughput run did not finish within " + WINDOW.toSeconds() + " s + 2 min");
        }
      }
      joined = true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Cleanup.Aborted();
    } finally {
      if (!joined) {
        clients.forEach(Thread::interrupt);
      }
    }
    long wall = Math.max(0, lastEnd.get() - start.get());
    return new Result(n, commands.get(), wall, latency.stats(), failures.get(), errors.stream().limit(5).toList());
  }
}
