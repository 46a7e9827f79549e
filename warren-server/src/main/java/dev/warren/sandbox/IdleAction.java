package dev.warren.sandbox;

import java.util.Locale;

/**
 * What the idle reaper does with a sandbox idle past its {@code idleTimeoutSeconds}: stop it (its
 * processes end, its files stay) or pause it (its processes are frozen, kept in memory, resumed by
 * the next call). Per sandbox ({@code idleAction}); the default is {@code WARREN_IDLE_ACTION}.
 */
public enum IdleAction {
  STOP, PAUSE;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The action named {@code s} ({@code stop} or {@code pause}); empty for anything else. */
  public static java.util.Optional<IdleAction> parse(String s) {
    for (IdleAction a : values()) {
      if (a.wire().equals(s)) {
        return java.util.Optional.of(a);
      }
    }
    return java.util.Optional.empty();
  }
}
