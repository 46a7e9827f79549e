package dev.warren.shell;

import java.util.Locale;

/**
 * {@code queued → running → finished}. {@code lost}: the session or its sandbox ended while the
 * command was queued or running, so it has no exit code.
 */
public enum CommandState {
  QUEUED, RUNNING, FINISHED, LOST;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public boolean done() {
    return this == FINISHED || this == LOST;
  }

  public static CommandState parse(String s) {
    return valueOf(s.toUpperCase(Locale.ROOT));
  }
}
