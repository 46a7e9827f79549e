package dev.warren.shell;

/**
 * Where a command in flight is on its way into the store, which says who records its end. A
 * synchronous submit hands the command to the shell first and stores it once: finished, if it
 * ended within a short grace time (one store write instead of two), else queued or running.
 */
enum CommandPhase {
  /** The submit has not stored the command yet; it will store the end itself if it sees it. */
  SUBMITTING,
  /** The submit is storing the command as not ended; it checks for an end afterwards. */
  STORING,
  /** Stored; whoever sees the end records it. */
  STORED
}
