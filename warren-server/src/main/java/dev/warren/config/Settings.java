package dev.warren.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Raw settings: {@code WARREN_*} environment variables over an optional config file
 * ({@code WARREN_CONFIG}, lines of {@code WARREN_NAME=value}, see {@link EnvFile}). Typed getters fail with the setting's
 * name and the bad value.
 */
final class Settings {
  private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)?");

  private final Map<String, String> values;
  private final Set<String> known;

  Settings(Map<String, String> values, Set<String> known) {
    this.values = Map.copyOf(values);
    this.known = known;
  }

  static Settings from(Map<String, String> env, Set<String> known) {
    Map<String, String> merged = new HashMap<>();
    String file = env.get("WARREN_CONFIG");
    if (file != null && !file.isBlank()) {
      Path p = Path.of(file);
      if (!p.isAbsolute()) {
        throw new ConfigException("WARREN_CONFIG: must be an absolute path, got '" + file + "'");
      }
      if (!Files.isRegularFile(p)) {
        throw new ConfigException("WARREN_CONFIG: no such file: " + file);
      }
      merged.putAll(EnvFile.read(p, known));
    }
    env.forEach((k, v) -> {
      if (k.startsWith("WARREN_") && known.contains(k)) {
        merged.put(k, v.trim());
      }
    });
    return new Settings(merged, known);
  }

  Optional<String> get(String name) {
    String v = values.get(name);
    return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v);
  }

  String string(String name, String dflt) {
    return get(name).orElse(dflt);
  }

  int integer(String name, int dflt, int min, int max) {
    Optional<String> v = get(name);
    if (v.isEmpty()) {
      return dflt;
    }
    try {
      int n = Integer.parseInt(v.get());
      if (n < min || n > max) {
        throw new ConfigException(name + ": must be between " + min + " and " + max + ", got " + n);
      }
      return n;
    } catch (NumberFormatException e) {
      throw new ConfigException(name + ": expected a whole number, got '" + v.get() + "'");
    }
  }

  double decimal(String name, double dflt, double min, double max) {
    Optional<String> v = get(name);
    if (v.isEmpty()) {
      return dflt;
    }
    try {
      double n = Double.parseDouble(v.get());
      if (!(n >= min && n <= max)) {
        throw new ConfigException(name + ": must be between " + min + " and " + max + ", got " + v.get());
      }
      return n;
    } catch (NumberFormatException e) {
      throw new ConfigException(name + ": expected a number, got '" + v.get() + "'");
    }
  }

  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([kmgt]i?b?|b)?", Pattern.CASE_INSENSITIVE);

  /** A size in bytes: {@code 65536}, {@code 512k}, {@code 64m}, {@code 2g} (binary units; {@code 500MB}, {@code MiB} and {@code m} alike). */
  long size(String name, long dflt) {
    Optional<String> v = get(name);
    if (v.isEmpty()) {
      return dflt;
    }
    Matcher m = SIZE.matcher(v.get());
    if (!m.matches()) {
      throw new ConfigException(name + ": expected a size like 500MB, 64m, 1g or 65536 (bytes), got '" + v.get() + "'");
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "b" : m.group(2).substring(0, 1).toLowerCase(Locale.ROOT);
    int shift = switch (unit) {
      case "k" -> 10;
      case "m" -> 20;
      case "g" -> 30;
      case "t" -> 40;
      default -> 0;
    };
    if (n > (Long.MAX_VALUE >> shift)) {
      throw new ConfigException(name + ": too large: '" + v.get() + "'");
    }
    return n << shift;
  }

  Duration duration(String name, Duration dflt) {
    Optional<String> v = get(name);
    if (v.isEmpty()) {
      return dflt;
    }
    Matcher m = DURATION.matcher(v.get());
    if (!m.matches()) {
      throw new ConfigException(name + ": expected a duration like 90s, 30m, 2h or 0, got '" + v.get() + "'");
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "s" : m.group(2);
    return switch (unit) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
  }
}
