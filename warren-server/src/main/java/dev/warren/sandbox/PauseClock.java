package dev.warren.sandbox;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How long each sandbox has been paused in all, on this controller's monotonic clock, so that time
 * spent paused can be left out of what counts running time (a session command's timeout). A
 * sandbox found paused at start-up counts from the pause its row records; pauses before that are
 * not known. Thread-safe.
 */
final class PauseClock {
  /** Paused time before {@code since}, and when the current pause began ({@link #RUNNING} when none). */
  private record Span(long totalNanos, long since) {}

  private static final long RUNNING = Long.MIN_VALUE;
  private final ConcurrentHashMap<String, Span> spans = new ConcurrentHashMap<>();

  void paused(String id) {
    pausedSince(id, System.nanoTime());
  }

  /** Adopted paused at start-up: paused since {@code at} (the row's pause), by the wall clock. */
  void pausedAt(String id, Instant at) {
    long ago = Math.max(0, Duration.between(at, Instant.now()).toNanos());
    pausedSince(id, System.nanoTime() - ago);
  }

  private void pausedSince(String id, long since) {
    spans.compute(id, (k, s) -> s == null ? new Span(0, since) : s.since() != RUNNING ? s : new Span(s.totalNanos(), since));
  }

  void resumed(String id) {
    long now = System.nanoTime();
    spans.computeIfPresent(id, (k, s) -> s.since() == RUNNING ? s : new Span(s.totalNanos() + (now - s.since()), RUNNING));
  }

  void forget(String id) {
    spans.remove(id);
  }

  /** Nanoseconds the sandbox has spent paused so far, the current pause included. */
  long pausedNanos(String id) {
    Span s = spans.get(id);
    if (s == null) {
      return 0;
    }
    return s.since() == RUNNING ? s.totalNanos() : s.totalNanos() + (System.nanoTime() - s.since());
  }

  boolean isPaused(String id) {
    Span s = spans.get(id);
    return s != null && s.since() != RUNNING;
  }
}
