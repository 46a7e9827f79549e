package dev.warren.browser;

import java.util.Locale;

/**
 * {@code starting → ready → closed}; {@code crashed} when Chromium died (restartable in place),
 * {@code closing} while the profile is saved and the sandbox removed. {@code pooled}: started
 * ahead of demand, waiting in the warm pool to be handed out.
 */
public enum BrowserState {
  STARTING, READY, CRASHED, CLOSING, CLOSED, POOLED;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public boolean live() {
    return this == STARTING || this == READY || this == CRASHED;
  }

  public static BrowserState parse(String s) {
    return valueOf(s.toUpperCase(Locale.ROOT));
  }
}
