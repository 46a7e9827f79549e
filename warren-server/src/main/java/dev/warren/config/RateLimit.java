package dev.warren.config;

/**
 * The API's request rate limit per token: a token bucket refilled at {@code perSecond} and holding
 * at most {@code burst} requests. {@code perSecond == 0} switches it off. Parsed from
 * {@code WARREN_RATE_LIMIT}: {@code RATE} or {@code RATE/BURST} (requests per second, then the
 * burst; the burst defaults to twice the rate), or {@code 0}.
 */
public record RateLimit(double perSecond, int burst) {
  /** Generous enough for every benchmark and test, low enough to stop a runaway client. */
  public static final RateLimit DEFAULT = new RateLimit(1000, 2000);
  public static final RateLimit OFF = new RateLimit(0, 0);

  public RateLimit {
    check("WARREN_RATE_LIMIT", perSecond, burst);
  }

  private static void check(String setting, double perSecond, int burst) {
    if (!(perSecond >= 0 && perSecond <= 1_000_000)) {
      throw new ConfigException(setting + ": the rate must be between 0 and 1000000 per second, got " + perSecond);
    }
    if (perSecond > 0 && (burst < 1 || burst > 10_000_000)) {
      throw new ConfigException(setting + ": the burst must be between 1 and 10000000, got " + burst);
    }
  }

  public boolean enabled() {
    return perSecond > 0;
  }

  static RateLimit parse(String value) {
    return parse("WARREN_RATE_LIMIT", value);
  }

  /** {@code RATE}, {@code RATE/BURST} or {@code 0} from {@code setting}; errors name the setting. */
  static RateLimit parse(String setting, String value) {
    String v = value.strip();
    if (v.equals("0") || v.equalsIgnoreCase("off")) {
      return OFF;
    }
    String[] parts = v.split("/", -1);
    if (parts.length > 2) {
      throw new ConfigException(setting + ": expected RATE or RATE/BURST such as 100 or 100/300 (or 0 for none), got '" + value + "'");
    }
    try {
      double rate = Double.parseDouble(parts[0].strip());
      int burst = parts.length == 2 ? Integer.parseInt(parts[1].strip()) : (int) Math.max(1, Math.min(10_000_000, Math.ceil(rate * 2)));
      if (rate == 0) {
        return OFF;
      }
      check(setting, rate, burst);
      return new RateLimit(rate, burst);
    } catch (NumberFormatException e) {
      throw new ConfigException(setting + ": expected RATE or RATE/BURST such as 100 or 100/300 (or 0 for none), got '" + value + "'");
    }
  }

  @Override
  public String toString() {
    return enabled() ? perSecond + " requests/s, burst " + burst : "off";
  }
}
