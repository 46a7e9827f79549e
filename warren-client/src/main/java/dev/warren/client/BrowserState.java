package dev.warren.client;

import java.util.Locale;

/**
 * Lifecycle of a browser session: {@code starting → ready → closing → closed}. {@link #CRASHED}
 * when Chromium died; {@link Browser#restart()} starts it again in place. A closed session is still
 * shown (with its {@code stateReason}, e.g. idle for too long) but takes no calls. {@link #POOLED}
 * is a browser waiting in the server's warm pool, which no caller holds. {@link #UNKNOWN} stands for
 * a state this SDK version does not know yet.
 */
public enum BrowserState {
  STARTING,
  READY,
  CRASHED,
  CLOSING,
  CLOSED,
  POOLED,
  UNKNOWN;

  /** The name on the wire, e.g. {@code ready}. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Whether the session still holds a sandbox: starting, ready or crashed. */
  public boolean isLive() {
    return this == STARTING || this == READY || this == CRASHED;
  }

  static BrowserState fromWire(String name) {
    for (BrowserState state : values()) {
      if (state != UNKNOWN && state.wireName().equals(name)) return state;
    }
    return UNKNOWN;
  }
}
