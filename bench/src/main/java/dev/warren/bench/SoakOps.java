package dev.warren.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The operations the soak's clients did, by kind: how many, how long each took, which failed and
 * why (the first few messages). Thread-safe.
 */
final class SoakOps {
  static final List<String> KINDS = List.of("sandbox create", "session create", "session command", "session delete", "sandbox delete",
      "browser create", "browser navigate", "browser delete");
  private static final int KEPT_ERRORS = 10;

  private final Map<String, ConcurrentLinkedQueue<Long>> samples = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
  private final AtomicInteger errorCount = new AtomicInteger();

  SoakOps() {
    for (String k : KINDS) {
      samples.put(k, new ConcurrentLinkedQueue<>());
      failures.put(k, new AtomicInteger());
    }
  }

  /** Runs and times one operation; a failure is recorded and rethrown so that the client's cycle stops there. */
  <T> T time(String kind, Supplier<T> op) {
    long t0 = System.nanoTime();
    try {
      T r = op.get();
      samples.get(kind).add(System.nanoTime() - t0);
      return r;
    } catch (Cleanup.Aborted e) {
      throw e;
    } catch (RuntimeException e) {
      failures.get(kind).incrementAndGet();
      if (errorCount.incrementAndGet() <= KEPT_ERRORS) {
        errors.add(kind + ": " + e.getMessage());
      }
      throw e;
    }
  }

  int errors() {
    return errorCount.get();
  }

  List<String> firstErrors() {
    return new ArrayList<>(errors);
  }

  /** Per kind: count, operations per second over {@code wallNanos}, latencies, failures. */
  void print(long wallNanos) {
    List<List<String>> t = new ArrayList<>();
    t.add(List.of("operation", "n", "ops/s", "p50 ms", "p95 ms", "max ms", "failed"));
    for (String k : KINDS) {
      Stats s = Stats.of(k, samples.get(k));
      t.add(List.of(k, Integer.toString(s.n()), String.format("%.2f", s.n() / (wallNanos / 1e9)), Report.ms(s.p50()), Report.ms(s.p95()),
          Report.ms(s.maxMs()), Integer.toString(failures.get(k).get())));
    }
    Report.table(t);
  }

  Map<String, Integer> counts() {
    Map<String, Integer> out = new LinkedHashMap<>();
    KINDS.forEach(k -> out.put(k, samples.get(k).size()));
    return out;
  }
}
