package dev.warren;

import java.time.Duration;
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
    sinceProcessStart().filter(ms -> ms >= 0 && ms < 600_000).ifPresent(ms -> steps.add("jvm " + ms + " ms"));
  }

  /**
   * Milliseconds since this process started, to 10 ms: its start in clock ticks since boot
   * ({@code /proc/self/stat}, field 22, 100 a second) against the time since boot
   * ({@code /proc/uptime}). Not {@link ProcessHandle.Info#startInstant()}: that adds the ticks to
   * the boot time in whole seconds, so it is off by up to a second.
   */
  static java.util.Optional<Long> sinceProcessStart() {
    try {
      String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/stat"));
      // the fields after the command name, which may hold spaces and ends at the last ')': state is field 3
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long startTicks = Long.parseLong(f[22 - 3]);
      String uptime = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/uptime"));
      long upMs = Math.round(Double.parseDouble(uptime.substring(0, uptime.indexOf(' '))) * 1000);
      return java.util.Optional.of(upMs - startTicks * 10);
    } catch (java.io.IOException | RuntimeException e) {
      return java.util.Optional.empty();
    }
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
