package dev.warren.shell;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The controller's view of one command in flight; {@code phase} says who records the end (see
 * {@link CommandPhase}). Thread-safe: the submitting thread, the thread that reads the exit file
 * and a timeout may all reach it; {@code recording} makes exactly one of them store the end.
 */
final class Tracker {
  final String id;
  final long seq;
  final AtomicReference<CommandPhase> phase;
  /** The end as read from the shell's exit file, before it is stored. */
  final CompletableFuture<ShellCommand> exited = new CompletableFuture<>();
  /** The end once stored; what callers wait for. */
  final CompletableFuture<ShellCommand> done = new CompletableFuture<>();
  /** Set by whoever records the end, so that it is recorded once. */
  final AtomicInteger recording = new AtomicInteger();
  /**
   * Paused time of the sandbox when the command was handed over, and the paused time since then
   * already added to its timeout: the timeout counts running time only (see CommandQueue#expire).
   */
  volatile long pausedAtStartNanos;
  volatile long pausedCreditedNanos;

  Tracker(String id, long seq, CommandPhase phase) {
    this.id = id;
    this.seq = seq;
    this.phase = new AtomicReference<>(phase);
  }

  boolean stored() {
    return phase.get() == CommandPhase.STORED;
  }
}
