package dev.warren.config;

import java.time.Duration;
import java.util.Objects;

/**
 * Bounds that keep one sandbox from taking more than its share of the egress proxy and its log.
 *
 * @param maxConnectionsPerSandbox {@code WARREN_EGRESS_MAX_CONNECTIONS_PER_SANDBOX}: connections one
 *     sandbox may have open through the proxy at once; past it 429
 * @param logRetention {@code WARREN_EGRESS_LOG_RETENTION}: how long egress log entries are kept
 *     ({@code 0}: no age limit)
 * @param logMaxPerSandbox {@code WARREN_EGRESS_LOG_MAX_PER_SANDBOX}: entries kept per sandbox, the
 *     oldest go first ({@code 0}: no count limit)
 * @param logRate {@code WARREN_EGRESS_LOG_RATE}: entries per second per sandbox, then the burst;
 *     past it connections are counted into one summary entry instead of one entry each
 */
public record EgressLimits(int maxConnectionsPerSandbox, Duration logRetention, int logMaxPerSandbox, RateLimit logRate) {
  public static final EgressLimits DEFAULT = new EgressLimits(256, Duration.ofDays(30), 10_000, new RateLimit(20, 200));

  public EgressLimits {
    Objects.requireNonNull(logRetention, "logRetention");
    Objects.requireNonNull(logRate, "logRate");
    if (maxConnectionsPerSandbox < 1 || maxConnectionsPerSandbox > 65_536) {
      throw new ConfigException("WARREN_EGRESS_MAX_CONNECTIONS_PER_SANDBOX: must be between 1 and 65536, got " + maxConnectionsPerSandbox);
    }
    if (logMaxPerSandbox < 0) {
      throw new ConfigException("WARREN_EGRESS_LOG_MAX_PER_SANDBOX: must not be negative, got " + logMaxPerSandbox);
    }
  }

  static EgressLimits from(Settings s) {
    return new EgressLimits(
        s.integer("WARREN_EGRESS_MAX_CONNECTIONS_PER_SANDBOX", DEFAULT.maxConnectionsPerSandbox(), 1, 65_536),
        s.duration("WARREN_EGRESS_LOG_RETENTION", DEFAULT.logRetention()),
        s.integer("WARREN_EGRESS_LOG_MAX_PER_SANDBOX", DEFAULT.logMaxPerSandbox(), 0, 100_000_000),
        s.get("WARREN_EGRESS_LOG_RATE").map(v -> RateLimit.parse("WARREN_EGRESS_LOG_RATE", v)).orElse(DEFAULT.logRate()));
  }
}
