package dev.warren.browser;

import dev.warren.error.WarrenException;
import dev.warren.net.EgressPolicy;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What a caller asked for when creating a browser session, validated.
 *
 * @param key caller-chosen name for reuse across steps (e.g. {@code agent-42:run-7}): creating
 *     again with a live key returns that session
 * @param profile a named profile to start from; saved back when the session ends unless
 *     {@code profileReadOnly}
 * @param maxLifetime zero means no limit
 * @param idleAction what {@code idleTimeout} does: close the session, or pause its sandbox
 * @param pausedTimeout a session paused (by its idle action or through the API) and idle this long
 *     is closed; zero means never
 */
public record BrowserSpec(
    Optional<String> key, Optional<String> profile, boolean profileReadOnly, EgressPolicy egress, int width, int height,
    boolean headless, Duration idleTimeout, Duration maxLifetime, BrowserIdleAction idleAction, Duration pausedTimeout) {

  private static final Pattern KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:/@+=-]{0,254}");
  public static final Pattern PROFILE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
  public static final Duration DEFAULT_IDLE = Duration.ofMinutes(30);

  public BrowserSpec {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(profile, "profile");
    Objects.requireNonNull(egress, "egress");
    Objects.requireNonNull(idleAction, "idleAction");
    Objects.requireNonNull(pausedTimeout, "pausedTimeout");
    key.ifPresent(k -> {
      if (!KEY.matcher(k).matches()) {
        throw WarrenException.invalid("key", "key must be 1-255 letters, digits or ._:/@+=- (not starting with one of these), got '" + k + "'");
      }
    });
    profile.ifPresent(p -> {
      if (!PROFILE.matcher(p).matches()) {
        throw WarrenException.invalid("profile", "profile names are 1-128 letters, digits, '.', '_' or '-', got '" + p + "'");
      }
    });
    if (width < 100 || width > 7680) {
      throw WarrenException.invalid("viewport.width", "viewport.width must be between 100 and 7680, got " + width);
    }
    if (height < 100 || height > 4320) {
      throw WarrenException.invalid("viewport.height", "viewport.height must be between 100 and 4320, got " + height);
    }
    if (idleTimeout.isNegative() || idleTimeout.compareTo(Duration.ofDays(7)) > 0) {
      throw WarrenException.invalid("idleTimeoutSeconds", "idleTimeoutSeconds must be between 0 (never) and 604800");
    }
    if (maxLifetime.isNegative() || maxLifetime.compareTo(Duration.ofDays(30)) > 0) {
      throw WarrenException.invalid("maxLifetimeSeconds", "maxLifetimeSeconds must be between 0 (no limit) and 2592000");
    }
    if (pausedTimeout.isNegative() || pausedTimeout.compareTo(Duration.ofDays(30)) > 0) {
      throw WarrenException.invalid("pausedTimeoutSeconds", "pausedTimeoutSeconds must be between 0 (never) and 2592000");
    }
  }

  /** A spec whose idle timeout closes the session (the default idle action). */
  public BrowserSpec(Optional<String> key, Optional<String> profile, boolean profileReadOnly, EgressPolicy egress, int width, int height,
      boolean headless, Duration idleTimeout, Duration maxLifetime) {
    this(key, profile, profileReadOnly, egress, width, height, headless, idleTimeout, maxLifetime, BrowserIdleAction.CLOSE, Duration.ZERO);
  }
}
