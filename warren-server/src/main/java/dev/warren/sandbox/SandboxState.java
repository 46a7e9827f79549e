package dev.warren.sandbox;

import java.util.Locale;

/**
 * Life cycle: {@code creating → running ⇄ (stopping → stopped → starting) → deleting},
 * {@code running ⇄ paused} (its processes frozen, its memory, files, address and sessions kept; a
 * stop or delete goes on from {@code paused} as from {@code running}), and {@code failed} from
 * anywhere with a reason. The transient states are written before the runtime is asked, so a
 * controller killed midway finishes or undoes the step at its next start; {@code paused} and
 * {@code running} are written before the freezer is set, which a restart then sets to match.
 */
public enum SandboxState {
  CREATING, STARTING, RUNNING, PAUSED, STOPPING, STOPPED, FAILED, DELETING;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static SandboxState parse(String s) {
    return valueOf(s.toUpperCase(Locale.ROOT));
  }
}
