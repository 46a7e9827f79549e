package dev.warren.client;

import java.util.Objects;
import java.util.OptionalInt;

/**
 * A session command with the start of its output, as {@link Session#run(CommandRequest)} and
 * {@link Command#await(java.time.Duration)} answer it. The command may still be queued or running
 * when the wait ran out: check {@link #isDone()}.
 *
 * <p>{@code stdout} and {@code stderr} are the first MiB of each stream, decoded as UTF-8 with
 * invalid bytes replaced; {@link Command#stdout()} has the exact bytes. Both are empty when the
 * server no longer has the output (the session ended).
 *
 * @param info everything else about the job
 * @param stdoutTruncated whether standard output is longer than {@code stdout}
 * @param stderrTruncated whether standard error is longer than {@code stderr}
 */
public record CommandResult(
    CommandInfo info, String stdout, String stderr, boolean stdoutTruncated, boolean stderrTruncated) {

  public CommandResult {
    Objects.requireNonNull(info, "info");
    Objects.requireNonNull(stdout, "stdout");
    Objects.requireNonNull(stderr, "stderr");
  }

  /** The command id, e.g. {@code cmd_01JD…}. */
  public String id() {
    return info.id();
  }

  public CommandState state() {
    return info.state();
  }

  /**
   * The exit status once finished, else -1 (while it is queued or running, and when it was lost):
   * check {@link #isDone()}, or use {@link #exitCodeIfKnown()}.
   */
  public int exitCode() {
    return info.exitCode().orElse(-1);
  }

  /** The exit status once finished; empty while it runs and when it was lost. */
  public OptionalInt exitCodeIfKnown() {
    return info.exitCode();
  }

  /** Like the record's, with the exit code as a number. */
  @Override
  public String toString() {
    return "CommandResult[id=" + id() + ", state=" + state() + ", exitCode=" + (info.exitCode().isPresent() ? info.exitCode().getAsInt() : "none")
        + ", stdout=" + stdout + ", stderr=" + stderr + "]";
  }

  /** Whether its timeout stopped it. */
  public boolean timedOut() {
    return info.timedOut();
  }

  /** Whether the command is over ({@link CommandState#FINISHED} or {@link CommandState#LOST}). */
  public boolean isDone() {
    return info.isDone();
  }

  /** Finished with exit code 0 and not stopped by its timeout. */
  public boolean succeeded() {
    return info.succeeded();
  }
}
