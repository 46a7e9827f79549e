package dev.warren.shell;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One command of a session: a durable job. Its output lives in files in the sandbox and can be
 * read again from any byte offset.
 *
 * @param seq order within the session
 * @param stdinMode {@code null} (end of file at once) or {@code fifo} (stdin sent through the API)
 * @param shellRestarted the command ended the shell (exit, set -e, a kill); the session went on in
 *     a new shell that took over the old one's state (or, after a kill, started afresh)
 */
public record ShellCommand(
    String id, String sessionId, String sandboxId, long seq, String command, CommandState state, Optional<Integer> exitCode,
    String stdinMode, Optional<Long> timeoutMs, Instant submittedAt, Optional<Instant> startedAt, Optional<Instant> endedAt,
    long stdoutBytes, long stderrBytes, boolean shellRestarted, boolean timedOut, Optional<String> signal, Optional<String> reason) {
  public ShellCommand {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(state, "state");
  }

  ShellCommand running(Instant started) {
    return new ShellCommand(id, sessionId, sandboxId, seq, command, CommandState.RUNNING, exitCode, stdinMode, timeoutMs,
        submittedAt, Optional.of(started), endedAt, stdoutBytes, stderrBytes, shellRestarted, timedOut, signal, reason);
  }

  ShellCommand finished(int code, Optional<Instant> started, Instant ended, long out, long err, boolean restarted, boolean timeout,
      Optional<String> reasonText) {
    return new ShellCommand(id, sessionId, sandboxId, seq, command, CommandState.FINISHED, Optional.of(code), stdinMode, timeoutMs,
        submittedAt, started.or(() -> startedAt), Optional.of(ended), out, err, restarted, timeout, signal, reasonText);
  }

  ShellCommand lost(String why, long out, long err) {
    return new ShellCommand(id, sessionId, sandboxId, seq, command, CommandState.LOST, Optional.empty(), stdinMode, timeoutMs,
        submittedAt, startedAt, Optional.of(Instant.now()), out, err, shellRestarted, timedOut, signal, Optional.of(why));
  }

  ShellCommand signalled(String sig) {
    return new ShellCommand(id, sessionId, sandboxId, seq, command, state, exitCode, stdinMode, timeoutMs, submittedAt, startedAt,
        endedAt, stdoutBytes, stderrBytes, shellRestarted, timedOut || sig.equals("TIMEOUT"), Optional.of(sig.equals("TIMEOUT") ? "KILL" : sig),
        reason);
  }
}
