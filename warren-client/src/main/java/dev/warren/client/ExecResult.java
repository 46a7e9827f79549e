package dev.warren.client;

import java.time.Duration;
import java.util.Objects;

/**
 * The outcome of {@link Sandbox#exec(ExecRequest)}.
 *
 * @param exitCode the command's exit status; 137 when it was killed for its timeout
 * @param stdout standard output, decoded as UTF-8
 * @param stderr standard error, decoded as UTF-8
 * @param duration how long the command ran
 * @param timedOut whether the command was killed because its timeout passed
 * @param truncated whether the server cut either stream (over 16 MiB)
 */
public record ExecResult(
    int exitCode, String stdout, String stderr, Duration duration, boolean timedOut, boolean truncated) {

  public ExecResult {
    Objects.requireNonNull(stdout, "stdout");
    Objects.requireNonNull(stderr, "stderr");
    Objects.requireNonNull(duration, "duration");
  }

  /** Exit code 0 and not timed out. */
  public boolean succeeded() {
    return exitCode == 0 && !timedOut;
  }
}
