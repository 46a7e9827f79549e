package dev.warren.shell;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The controller's view of one command in flight. A synchronous submit hands the command to the
 * shell first and stores it once: finished, if it ended within a short grace time (one store write
 * instead of two), else queued or running. {@code phase} says who records the end.
 */
final class Tracker {
  /** The submit has not stored the command yet; it will store the end itself if it sees it. */
  static final int SUBMITTING = 0;
  /** The submit is storing the command as not ended; it checks for an end afterwards. */
  static final int STORING = 1;
  /** Stored; whoever sees the end records it. */
  static final int STORED = 2;

  final String id;
  final long seq;
  final AtomicInteger phase;
  /** The end as read from the shell's exit file, before it is stored. */
  final CompletableFuture<ShellCommand> exited = new CompletableFuture<>();
  /** The end once stored; what callers wait for. */
  final CompletableFuture<ShellCommand> done = new CompletableFuture<>();
  /** Set by whoever records the end, so that it is recorded once. */
  final AtomicInteger recording = new AtomicInteger();

  Tracker(String id, long seq, int phase) {
    this.id = id;
    this.seq = seq;
    this.phase = new AtomicInteger(phase);
  }
}
