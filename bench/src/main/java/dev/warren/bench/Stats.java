package dev.warren.bench;

import java.util.Arrays;
import java.util.Collection;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Latency samples of one measured step, in nanoseconds. Percentiles are nearest-rank (p50 of 100
 * samples is the 50th smallest), so every figure printed is a latency that was really observed.
 */
record Stats(String name, long[] sorted) {

  Stats {
    Objects.requireNonNull(name, "name");
    sorted = sorted.clone();
    Arrays.sort(sorted);
  }

  static Stats of(String name, Collection<Long> nanos) {
    return new Stats(name, nanos.stream().mapToLong(Long::longValue).toArray());
  }

  int n() {
    return sorted.length;
  }

  double p50() {
    return percentile(0.50);
  }

  double p95() {
    return percentile(0.95);
  }

  double maxMs() {
    return sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1] / 1e6;
  }

  double minMs() {
    return sorted.length == 0 ? Double.NaN : sorted[0] / 1e6;
  }

  double meanMs() {
    return sorted.length == 0 ? Double.NaN : Arrays.stream(sorted).average().orElseThrow() / 1e6;
  }

  /** Nearest-rank percentile in milliseconds; NaN without samples. */
  double percentile(double q) {
    return raw(q) / 1e6;
  }

  /** Nearest-rank percentile in the samples' own unit; NaN without samples. */
  double raw(double q) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int rank = (int) Math.ceil(q * sorted.length);
    return sorted[Math.clamp(rank - 1, 0, sorted.length - 1)];
  }

  /** Mean in the samples' own unit; NaN without samples. */
  double rawMean() {
    return sorted.length == 0 ? Double.NaN : Arrays.stream(sorted).average().orElseThrow();
  }

  /** A thread-safe place to collect the samples of one step while a section runs. */
  static final class Series {
    private final String name;
    private final ConcurrentLinkedQueue<Long> nanos = new ConcurrentLinkedQueue<>();

    Series(String name) {
      this.name = name;
    }

    void add(long elapsedNanos) {
      nanos.add(elapsedNanos);
    }

    Stats stats() {
      return Stats.of(name, nanos);
    }
  }
}
