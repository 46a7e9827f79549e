package dev.warren.client;

import java.util.Locale;

/**
 * Lifecycle of a session command: {@code queued → running → finished}. {@link #LOST} means the
 * session or its sandbox ended before the command did, so it has no exit code (the reason says
 * why). {@link #UNKNOWN} stands for a state this SDK version does not know.
 */
public enum CommandState {
  QUEUED,
  RUNNING,
  FINISHED,
  LOST,
  UNKNOWN;

  /** Whether the command is over: {@link #FINISHED} or {@link #LOST}. */
  public boolean isDone() {
    return this == FINISHED || this == LOST;
  }

  /** The name on the wire, e.g. {@code running}. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  static CommandState fromWire(String name) {
    for (CommandState state : values()) {
      if (state != UNKNOWN && state.wireName().equals(name)) return state;
    }
    return UNKNOWN;
  }
}
