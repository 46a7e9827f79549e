package dev.warren.sandbox;

/**
 * Told about a sandbox's life-cycle steps, on the thread doing them, with the sandbox's lock held.
 * Listeners close what they hold inside a sandbox before it stops, so its filesystem can go.
 */
public interface SandboxListener {
  /**
   * The sandbox is about to stop (state {@code stopping}; {@link SandboxService#isRestart} tells a
   * restart), be deleted ({@code deleting}), or was found gone at start-up (its last stored state);
   * its processes will end.
   */
  default void stopping(Sandbox sandbox) {}

  /** A new generation of the sandbox runs. */
  default void started(Sandbox sandbox) {}

  /** The sandbox's processes are frozen now (state {@code paused}). */
  default void paused(Sandbox sandbox) {}

  /** The sandbox's processes run again after a pause (state {@code running}), whoever resumed it. */
  default void resumed(Sandbox sandbox) {}

  /** The sandbox is deleted: its files are gone and its row is no longer stored ({@code sandbox} is its last state). */
  default void deleted(Sandbox sandbox) {}
}
