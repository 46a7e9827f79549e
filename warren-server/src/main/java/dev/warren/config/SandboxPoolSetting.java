package dev.warren.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * {@code WARREN_SANDBOX_POOL}: how many sandboxes of each image are kept created and started ahead
 * of demand, in the default limits shape ({@code base=4,browser=1}). Empty: no pool.
 *
 * @param counts sandboxes to keep, by image name, in the order given; every count at least 1
 */
public record SandboxPoolSetting(Map<String, Integer> counts) {
  static final String NAME = "WARREN_SANDBOX_POOL";
  /** At most this many pooled sandboxes per image: each holds memory, a slot and a disk. */
  public static final int MAX_PER_IMAGE = 64;
  private static final Pattern IMAGE = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

  public static final SandboxPoolSetting NONE = new SandboxPoolSetting(Map.of());

  public SandboxPoolSetting {
    counts = Collections.unmodifiableMap(new LinkedHashMap<>(counts));
  }

  public boolean isEmpty() {
    return counts.isEmpty();
  }

  /** The count kept for {@code image}; 0 when it has no pool. */
  public int count(String image) {
    return counts.getOrDefault(image, 0);
  }

  /** Parses {@code image=count[,image=count…]}; the error names the setting and the bad part. */
  public static SandboxPoolSetting parse(String value) {
    Map<String, Integer> counts = new LinkedHashMap<>();
    for (String part : value.split(",", -1)) {
      String p = part.strip();
      if (p.isEmpty()) {
        if (value.isBlank()) {
          continue;
        }
        throw new ConfigException(NAME + ": expected image=count pairs separated by commas (e.g. base=4), got an empty part in '" + value + "'");
      }
      int eq = p.indexOf('=');
      if (eq <= 0) {
        throw new ConfigException(NAME + ": expected image=count (e.g. base=4), got '" + p + "'");
      }
      String image = p.substring(0, eq).strip();
      String n = p.substring(eq + 1).strip();
      if (!IMAGE.matcher(image).matches()) {
        throw new ConfigException(NAME + ": '" + image + "' in '" + p + "' is not an image name (lower-case letters, digits, '.', '_', '-')");
      }
      int count;
      try {
        count = Integer.parseInt(n);
      } catch (NumberFormatException e) {
        throw new ConfigException(NAME + ": the count of " + image + " must be a whole number, got '" + n + "' in '" + p + "'");
      }
      if (count < 1 || count > MAX_PER_IMAGE) {
        throw new ConfigException(NAME + ": the count of " + image + " must be between 1 and " + MAX_PER_IMAGE + ", got " + count
            + " in '" + p + "' (leave the image out for no pool)");
      }
      if (counts.put(image, count) != null) {
        throw new ConfigException(NAME + ": image " + image + " is named twice in '" + value + "'");
      }
    }
    return new SandboxPoolSetting(counts);
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder();
    counts.forEach((k, v) -> b.append(b.isEmpty() ? "" : ",").append(k).append('=').append(v));
    return b.toString();
  }
}
