package dev.warren.client;

import java.util.Locale;

/**
 * Lifecycle of a shell session: {@code starting → ready → ended}. A session ends when it is
 * deleted, when its shell cannot be kept going, or when its sandbox stops or restarts; an ended
 * session says why in {@link SessionInfo#stateReason()} and answers every command with a
 * {@link ConflictException}. {@link #UNKNOWN} stands for a state this SDK version does not know.
 */
public enum SessionState {
  STARTING,
  READY,
  ENDED,
  UNKNOWN;

  /** The name on the wire, e.g. {@code ready}. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  static SessionState fromWire(String name) {
    for (SessionState state : values()) {
      if (state != UNKNOWN && state.wireName().equals(name)) return state;
    }
    return UNKNOWN;
  }
}
