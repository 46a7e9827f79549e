package dev.warren.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import tools.jackson.databind.JsonNode;

/**
 * Create-to-CDP-ready, one browser at a time: from sending {@code POST /v1/browsers} until
 * {@code Browser.getVersion} answers through the session's {@code cdpUrl} (Warren's CDP proxy),
 * then {@code DELETE}. Cold (a controller without a warm pool), interleaved with the floor:
 * Chromium launched on the host until the same command answers on its own DevTools socket, then
 * killed. Warm: a controller with a pool, each create taken once the pool is full.
 */
final class BrowserLatency {
  static final Duration CDP_T = Duration.ofSeconds(30);
  static final Duration POOL_WAIT = Duration.ofMinutes(3);
  private static final int MAX_FAILURES = 5;
  private static final String OPEN = "  of which WebSocket open";

  private BrowserLatency() {}

  /** One session made and answering CDP; the caller deletes it. */
  record Ready(BrowserApi.Created created, long createNanos, long cdpNanos, long openNanos) {}

  /** The latencies of one iteration, in nanoseconds; {@code openNanos} is the WebSocket handshake, part of {@code cdpNanos}. */
  private record Sample(long createNanos, long cdpNanos, long openNanos, long deleteNanos) {}

  private record Subject(Latencies.Collector collector, Stats.Series open, IntFunction<Sample> iteration) implements Interleaved.Side {
    @Override
    public void iterate(int i, boolean counted) {
      Sample sample = iteration.apply(i);
      if (counted) {
        collector.created(sample.createNanos(), sample.cdpNanos());
        collector.deleted(sample.deleteNanos());
        open.add(sample.openNanos());
      }
    }
  }

  /** Latencies of one side, and how much of the first CDP answer was the WebSocket handshake. */
  record Measured(Latencies latencies, Stats open) {
    void print() {
      latencies.print();
      Report.latencies(List.of(open));
    }
  }

  /** What the warm part measured. */
  record Warm(Measured measured, int fromPool, Stats refill) {
    Latencies latencies() {
      return measured.latencies();
    }
  }

  /** Creates a session and waits for the first CDP answer through Warren; deletes it again when that fails. */
  static Ready createAndPing(BrowserApi api, String body) {
    long t0 = System.nanoTime();
    BrowserApi.Created c = api.create(body);
    long t1 = System.nanoTime();
    try {
      long open = ping(c.cdpUrl());
      return new Ready(c, t1 - t0, System.nanoTime() - t1, open);
    } catch (RuntimeException e) {
      try {
        api.delete(c.id());
      } catch (RuntimeException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
  }

  /**
   * Connects to a browser's CDP socket and waits for the answer to {@code Browser.getVersion};
   * returns how long the WebSocket handshake took.
   */
  static long ping(java.net.URI ws) {
    long t0 = System.nanoTime();
    try (Cdp cdp = Cdp.connect(ws, CDP_T)) {
      long open = System.nanoTime() - t0;
      JsonNode v = cdp.call("Browser.getVersion", null, CDP_T);
      if (v.path("product").asString().isEmpty()) {
        throw new IllegalStateException("Browser.getVersion answered without a product: " + v);
      }
      return open;
    }
  }

  /** Cold creates through {@code api} and host launches through {@code floor}, alternating (either may be null). */
  static List<Measured> cold(BrowserApi api, ChromiumFloor floor, int warmup, int iterations, Cleanup cleanup, Cleanup.Budget budget) {
    List<Subject> subjects = new ArrayList<>();
    if (api != null) {
      subjects.add(new Subject(new Latencies.Collector("create (POST /v1/browsers)", "first CDP answer",
          "create-to-CDP-ready", "delete (DELETE)"), new Stats.Series(OPEN), i -> {
            Ready r = createAndPing(api, "{}");
            long t0 = System.nanoTime();
            api.delete(r.created().id());
            return new Sample(r.createNanos(), r.cdpNanos(), r.openNanos(), System.nanoTime() - t0);
          }));
    }
    if (floor != null) {
      subjects.add(new Subject(new Latencies.Collector("launch to DevTools line", "first CDP answer",
          "launch-to-CDP-ready", "kill (by PID) + rm dir"), new Stats.Series(OPEN), i -> {
            long t0 = System.nanoTime();
            ChromiumFloor.Host h = floor.launch(CDP_T);
            long t1 = System.nanoTime();
            long t2;
            long open;
            try {
              open = ping(h.browserWs());
              t2 = System.nanoTime();
            } finally {
              h.close();
            }
            return new Sample(t1 - t0, t2 - t1, open, System.nanoTime() - t2);
          }));
    }
    Interleaved.run(subjects, warmup, iterations, MAX_FAILURES, cleanup, budget);
    return subjects.stream().map(s -> new Measured(s.collector().result(), s.open().stats())).toList();
  }

  /**
   * Warm: waits until the pool of {@code pooled} is full, creates one session (from the pool),
   * measures it, deletes it, and again; also how long the pool took to be full again after each
   * hand-out (the refill starts a browser in the background).
   */
  static Warm warm(BrowserApi api, int poolSize, int warmup, int iterations, Cleanup cleanup, Cleanup.Budget budget) {
    Latencies.Collector c = new Latencies.Collector("create (POST, from pool)", "first CDP answer",
        "create-to-CDP-ready", "delete (DELETE)");
    Stats.Series refill = new Stats.Series("pool full again after take");
    int[] fromPool = new int[1];
    Stats.Series open = new Stats.Series(OPEN);
    List<Subject> one = List.of(new Subject(c, open, i -> {
      api.awaitPool(poolSize, POOL_WAIT, budget);
      Ready r = createAndPing(api, "{}");
      long handedOut = System.nanoTime();
      boolean pooled;
      long d;
      try {
        pooled = api.fromPool(r.created().id());
      } finally {
        long t0 = System.nanoTime();
        api.delete(r.created().id());
        d = System.nanoTime() - t0;
      }
      api.awaitPool(poolSize, POOL_WAIT, budget);
      if (i >= warmup) {
        refill.add(System.nanoTime() - handedOut);
        if (pooled) {
          fromPool[0]++;
        }
      }
      return new Sample(r.createNanos(), r.cdpNanos(), r.openNanos(), d);
    }));
    Interleaved.run(one, warmup, iterations, MAX_FAILURES, cleanup, budget);
    return new Warm(new Measured(c.result(), open.stats()), fromPool[0], refill.stats());
  }
}
