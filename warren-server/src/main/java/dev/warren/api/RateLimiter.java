package dev.warren.api;

import dev.warren.config.RateLimit;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A token bucket per credential: each holds up to {@code burst} requests and refills at
 * {@code perSecond}. A request that finds its bucket empty is refused with how long to wait.
 * Buckets that have been full (idle) for a while are dropped, so the map stays small however many
 * short-lived signed tokens come by. Thread-safe.
 */
final class RateLimiter {
  private static final int SWEEP_ABOVE = 1024;

  private final RateLimit limit;
  private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

  RateLimiter(RateLimit limit) {
    this.limit = limit;
  }

  /** Takes one request from {@code key}'s bucket; returns 0 when allowed, else the seconds to wait before retrying (at least 1). */
  long acquire(String key) {
    if (!limit.enabled()) {
      return 0;
    }
    long now = System.nanoTime();
    if (buckets.size() > SWEEP_ABOVE) {
      buckets.values().removeIf(b -> b.idleFull(now));
    }
    return buckets.computeIfAbsent(key, k -> new Bucket(limit.burst(), now)).take(now);
  }

  RateLimit limit() {
    return limit;
  }

  private final class Bucket {
    private final ReentrantLock lock = new ReentrantLock();
    private double tokens;
    private long at;

    Bucket(double tokens, long at) {
      this.tokens = tokens;
      this.at = at;
    }

    long take(long now) {
      lock.lock();
      try {
        refill(now);
        if (tokens >= 1) {
          tokens -= 1;
          return 0;
        }
        return Math.max(1, (long) Math.ceil((1 - tokens) / limit.perSecond()));
      } finally {
        lock.unlock();
      }
    }

    boolean idleFull(long now) {
      lock.lock();
      try {
        refill(now);
        return tokens >= limit.burst();
      } finally {
        lock.unlock();
      }
    }

    private void refill(long now) {
      tokens = Math.min(limit.burst(), tokens + (now - at) / 1e9 * limit.perSecond());
      at = now;
    }
  }
}
