package dev.warren.shell;

import java.util.Locale;

/** {@code starting → ready → ended}; an ended session says why. */
public enum SessionState {
  STARTING, READY, ENDED;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static SessionState parse(String s) {
    return valueOf(s.toUpperCase(Locale.ROOT));
  }
}
