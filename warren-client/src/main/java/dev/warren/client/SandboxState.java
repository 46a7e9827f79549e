package dev.warren.client;

import java.util.Locale;

/**
 * Lifecycle state of a sandbox as the server reports it. A deleted sandbox is never shown: asking
 * for it answers 404. {@link #UNKNOWN} stands for a state this SDK version does not know yet.
 */
public enum SandboxState {
  CREATING,
  RUNNING,
  STOPPED,
  FAILED,
  UNKNOWN;

  /** The name on the wire, e.g. {@code running}. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  static SandboxState fromWire(String name) {
    for (SandboxState state : values()) {
      if (state != UNKNOWN && state.wireName().equals(name)) return state;
    }
    return UNKNOWN;
  }
}
