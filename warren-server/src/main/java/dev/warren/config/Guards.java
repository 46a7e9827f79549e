package dev.warren.config;

import java.time.Duration;
import java.util.Objects;

/**
 * How the controller protects itself and fails cleanly: the per-token request rate limit, the
 * free space the data directory must keep (writes are refused below it, so nothing is cut off
 * halfway by a full disk), and how long a call waits for the database before it fails with 503.
 *
 * @param rateLimit {@code WARREN_RATE_LIMIT}
 * @param minFreeSpace bytes, {@code WARREN_MIN_FREE_SPACE}
 * @param dbTimeout {@code WARREN_DB_TIMEOUT}: SQLite busy timeout and connection wait
 */
public record Guards(RateLimit rateLimit, long minFreeSpace, Duration dbTimeout) {
  public static final long DEFAULT_MIN_FREE_SPACE = 64L << 20;
  public static final Duration DEFAULT_DB_TIMEOUT = Duration.ofSeconds(10);
  public static final Guards DEFAULT = new Guards(RateLimit.DEFAULT, DEFAULT_MIN_FREE_SPACE, DEFAULT_DB_TIMEOUT);

  public Guards {
    Objects.requireNonNull(rateLimit, "rateLimit");
    Objects.requireNonNull(dbTimeout, "dbTimeout");
    if (minFreeSpace < 0) {
      throw new ConfigException("WARREN_MIN_FREE_SPACE: must not be negative, got " + minFreeSpace);
    }
    if (dbTimeout.compareTo(Duration.ofMillis(250)) < 0 || dbTimeout.compareTo(Duration.ofMinutes(10)) > 0) {
      throw new ConfigException("WARREN_DB_TIMEOUT: must be between 250ms and 10m, got " + dbTimeout);
    }
  }

  static Guards from(Settings s) {
    RateLimit rate = s.get("WARREN_RATE_LIMIT").map(RateLimit::parse).orElse(RateLimit.DEFAULT);
    return new Guards(rate, s.size("WARREN_MIN_FREE_SPACE", DEFAULT_MIN_FREE_SPACE), s.duration("WARREN_DB_TIMEOUT", DEFAULT_DB_TIMEOUT));
  }
}
