package dev.warren.client;

import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with full jitter: before retry {@code n} (1-based) wait a uniformly random
 * time in {@code [0, min(cap, base * 2^(n-1))]}, unless the server said how long with
 * {@code Retry-After}, which is honoured up to {@link #MAX_RETRY_AFTER}.
 */
record Backoff(int maxAttempts, Duration base, Duration cap) {

  static final Duration MAX_RETRY_AFTER = Duration.ofSeconds(60);

  Backoff {
    if (maxAttempts < 1) throw new IllegalArgumentException("maxAttempts must be at least 1, got " + maxAttempts);
    if (base.isNegative() || base.isZero()) throw new IllegalArgumentException("backoff base must be positive, got " + base);
    if (cap.compareTo(base) < 0) {
      throw new IllegalArgumentException("backoff cap " + cap + " must not be below its base " + base);
    }
  }

  static Backoff defaults() {
    return new Backoff(5, Duration.ofMillis(100), Duration.ofSeconds(5));
  }

  /** The ceiling for retry {@code n}: {@code min(cap, base * 2^(n-1))}. */
  Duration ceiling(int retry) {
    int shift = Math.min(Math.max(retry - 1, 0), 30);
    long nanos = base.toNanos();
    long scaled = nanos > (Long.MAX_VALUE >> shift) ? Long.MAX_VALUE : nanos << shift;
    return Duration.ofNanos(Math.min(scaled, cap.toNanos()));
  }

  /** How long to wait before retry {@code n}. */
  Duration delay(int retry, Optional<Duration> retryAfter) {
    if (retryAfter.isPresent()) {
      Duration asked = retryAfter.get();
      return asked.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : asked;
    }
    long ceiling = ceiling(retry).toNanos();
    return Duration.ofNanos(ThreadLocalRandom.current().nextLong(ceiling + 1));
  }

  /**
   * Reads a {@code Retry-After} value: delay-seconds or an HTTP date (RFC 9110 §10.2.3). Anything
   * else is ignored, and the jittered backoff applies.
   */
  static Optional<Duration> parseRetryAfter(String header, ZonedDateTime now) {
    if (header == null || header.isBlank()) return Optional.empty();
    String value = header.strip();
    if (value.chars().allMatch(Character::isDigit)) {
      try {
        return Optional.of(Duration.ofSeconds(Long.parseLong(value)));
      } catch (NumberFormatException tooLong) {
        return Optional.of(MAX_RETRY_AFTER);
      }
    }
    try {
      Duration until = Duration.between(now, ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME));
      return Optional.of(until.isNegative() ? Duration.ZERO : until);
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }
}
