package dev.warren.sandbox;

import java.util.Locale;

/**
 * Life cycle: {@code creating → running ⇄ (stopping → stopped → starting) → deleting}, and
 * {@code failed} from anywhere with a reason. The transient states are written before the runtime
 * is asked, so a controller killed midway finishes or undoes the step at its next start.
 */
public enum SandboxState {
  CREATING, STARTING, RUNNING, STOPPING, STOPPED, FAILED, DELETING;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static SandboxState parse(String s) {
    return valueOf(s.toUpperCase(Locale.ROOT));
  }
}
