package dev.warren.client;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A snapshot of one session command (a durable job) without its output. Immutable; ask again with
 * {@link Command#info()}. The exact output is in {@link Command#stdout()} and
 * {@link Command#stderr()}.
 *
 * @param seq the command's place in its session's order, from 1
 * @param exitCode the exit status once {@link CommandState#FINISHED}; empty before and when
 *     {@link CommandState#LOST}
 * @param duration from start to end, once ended
 * @param stdinPiped whether standard input comes through the API (submitted with stdin or
 *     {@code keepStdinOpen}) rather than being end of file
 * @param timeout the timeout it was submitted with, if any
 * @param timedOut whether the timeout stopped it
 * @param signal the last signal sent to it through the API (a timeout shows as {@link Signal#KILL})
 * @param shellRestarted the command ended the shell ({@code exit 3}, {@code set -e}); a new shell
 *     took over the old one's state and the session goes on
 * @param reason why it was lost or how it was stopped, when the server says
 * @param stdoutBytes bytes written to standard output so far
 * @param stderrBytes bytes written to standard error so far
 */
public record CommandInfo(
    String id,
    String sessionId,
    String sandboxId,
    long seq,
    String command,
    CommandState state,
    OptionalInt exitCode,
    Instant submittedAt,
    Optional<Instant> startedAt,
    Optional<Instant> endedAt,
    Optional<Duration> duration,
    boolean stdinPiped,
    Optional<Duration> timeout,
    boolean timedOut,
    Optional<Signal> signal,
    boolean shellRestarted,
    Optional<String> reason,
    long stdoutBytes,
    long stderrBytes) {

  public CommandInfo {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(sessionId, "sessionId");
    Objects.requireNonNull(sandboxId, "sandboxId");
    Objects.requireNonNull(command, "command");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(exitCode, "exitCode");
    Objects.requireNonNull(submittedAt, "submittedAt");
    Objects.requireNonNull(startedAt, "startedAt");
    Objects.requireNonNull(endedAt, "endedAt");
    Objects.requireNonNull(duration, "duration");
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(signal, "signal");
    Objects.requireNonNull(reason, "reason");
  }

  /** Whether the command is over ({@link CommandState#FINISHED} or {@link CommandState#LOST}). */
  public boolean isDone() {
    return state.isDone();
  }

  /** Finished with exit code 0 and not stopped by its timeout. */
  public boolean succeeded() {
    return state == CommandState.FINISHED && exitCode.orElse(-1) == 0 && !timedOut;
  }
}
