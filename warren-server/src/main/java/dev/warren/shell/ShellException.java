package dev.warren.shell;

import dev.warren.error.Problem;
import dev.warren.error.WarrenException;
import java.util.Map;
import java.util.Optional;

/** Failures of shell sessions and commands: unknown ids, ended sessions, bad input. */
public class ShellException extends WarrenException {
  ShellException(Problem problem, String message) {
    super(problem, message);
  }

  ShellException(Problem problem, String message, Throwable cause) {
    super(problem, message, cause);
  }

  ShellException(Problem problem, String message, Optional<String> field, Map<String, Object> extra) {
    super(problem, message, field, extra, null);
  }

  ShellException(Problem problem, String message, Optional<String> field, Map<String, Object> extra, Throwable cause) {
    super(problem, message, field, extra, cause);
  }

  static ShellException noSession(String sandboxId, String id) {
    return new ShellException(Problem.NOT_FOUND, "no session " + id + " in sandbox " + sandboxId);
  }

  static ShellException noCommand(String sessionId, String id) {
    return new ShellException(Problem.NOT_FOUND, "no command " + id + " in session " + sessionId);
  }

  static ShellException ended(ShellSession s) {
    return new ShellException(Problem.CONFLICT, "session " + s.id() + " has ended" + s.stateReason().map(r -> " (" + r + ")").orElse("")
        + "; create a new one", Optional.empty(), Map.of("state", s.state().wire()));
  }

  /** The session holds {@code max} commands queued or running already. */
  static ShellException queueFull(String sessionId, int inflight, int max) {
    return new ShellException(Problem.LIMIT_EXCEEDED, "session " + sessionId + " has " + inflight + " commands queued or running, its limit "
        + "(WARREN_SESSION_QUEUE_MAX=" + max + "); wait for some to end (GET …/commands/ID?wait=), signal them, or use another session",
        Optional.empty(), Map.of("queued", inflight, "limit", max));
  }

  /** The shell never got command {@code commandId}; it is stored as lost. */
  static ShellException notQueued(String sessionId, String commandId, String why, Throwable cause) {
    return new ShellException(Problem.UNAVAILABLE, "command " + commandId + " could not be queued in session " + sessionId + ": " + why
        + "; it is stored as lost (GET …/commands/" + commandId + "); wait for the commands ahead of it to end, then submit it again",
        Optional.empty(), Map.of("commandId", commandId), cause);
  }

  static ShellException badInput(String field, String message) {
    return new ShellException(Problem.INVALID_INPUT, message, Optional.of(field), Map.of());
  }
}
