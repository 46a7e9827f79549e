package dev.warren;

import java.time.Duration;
import java.time.Instant;
import java.util.StringJoiner;

/**
 * How long each step of a controller's start took, for the log and the {@code controller.started}
 * event: an operator whose restart is slow sees which step to look at (the store, the runtime, the
 * reconciliation of sandboxes, the recovery of shells and browsers). The first step is the JVM's own
 * start up to the controller's code, from the process's start time. Used by the one thread that
 * starts the controller.
 */
final class BootSteps {
  private final StringJoiner steps = new StringJoiner(", ");
  private final long t0 = System.nanoTime();
  private long last = t0;

  BootSteps() {
    ProcessHandle.current().info().startInstant().ifPresent(started -> {
      long ms = Duration.between(started, Instant.now()).toMillis();
      if (ms >= 0 && ms < 600_000) {
        steps.add("jvm " + ms + " ms");
      }
    });
  }

  /** Ends the step {@code name} now. */
  void done(String name) {
    long now = System.nanoTime();
    steps.add(name + " " + (now - last) / 1_000_000 + " ms");
    last = now;
  }

  /** Time since this controller's code began to start. */
  Duration total() {
    return Duration.ofNanos(System.nanoTime() - t0);
  }

  @Override
  public String toString() {
    return steps.toString();
  }
}
