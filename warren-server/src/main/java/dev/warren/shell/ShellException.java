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

  static ShellException badInput(String field, String message) {
    return new ShellException(Problem.INVALID_INPUT, message, Optional.of(field), Map.of());
  }
}
