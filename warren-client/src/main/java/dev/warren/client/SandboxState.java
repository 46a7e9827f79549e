package dev.warren.client;

import java.util.Locale;

/**
 * Lifecycle state of a sandbox as the server reports it. {@link #STARTING} and {@link #STOPPING}
 * are shown while a start or stop is under way, by this caller or another (the idle policy, say).
 * A deleted sandbox is never shown: asking for it answers 404. {@link #UNKNOWN} stands for a state
 * this SDK version does not know yet.
 */
public enum SandboxState {
  CREATING,
  STARTING,
  RUNNING,
  /** Its processes are frozen, its memory and files kept: {@link Sandbox#resume()}, or any exec, file or session call, thaws it. */
  PAUSED,
  STOPPING,
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
