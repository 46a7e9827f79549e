package dev.warren.browser;

import java.util.Locale;
import java.util.Optional;

/**
 * What the reaper does with a browser session idle past its {@code idleTimeoutSeconds}: close it
 * (its sandbox goes, its profile is saved) or pause it (its sandbox is frozen: Chromium keeps its
 * pages, cookies and memory and uses no CPU; the next CDP connection, live view or API call on it
 * resumes it). Per session ({@code idleAction}); the default is {@code WARREN_BROWSER_IDLE_ACTION}.
 */
public enum BrowserIdleAction {
  CLOSE, PAUSE;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The action named {@code s} ({@code close} or {@code pause}); empty for anything else. */
  public static Optional<BrowserIdleAction> parse(String s) {
    for (BrowserIdleAction a : values()) {
      if (a.wire().equals(s)) {
        return Optional.of(a);
      }
    }
    return Optional.empty();
  }
}
