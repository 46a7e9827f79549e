package dev.warren.sandbox;

import dev.warren.error.Problem;
import dev.warren.error.WarrenException;
import java.util.Map;
import java.util.Optional;

/** Failures of sandbox operations: unknown id, wrong state, limits, runtime trouble. */
public class SandboxException extends WarrenException {
  public SandboxException(Problem problem, String message) {
    super(problem, message);
  }

  public SandboxException(Problem problem, String message, Throwable cause) {
    super(problem, message, cause);
  }

  SandboxException(Problem problem, String message, Optional<String> field, Map<String, Object> extra, Throwable cause) {
    super(problem, message, field, extra, cause);
  }

  static SandboxException notFound(String id) {
    return new SandboxException(Problem.NOT_FOUND, "no sandbox " + id);
  }

  static SandboxException wrongState(Sandbox s, String action, String expected) {
    String msg = "cannot " + action + " sandbox " + s.id() + ": it is " + s.state().wire()
        + s.stateReason().map(r -> " (" + r + ")").orElse("") + "; " + expected;
    return new SandboxException(Problem.CONFLICT, msg, Optional.empty(), Map.of("state", s.state().wire()), null);
  }

  static SandboxException invalidField(String field, String message) {
    return new SandboxException(Problem.INVALID_INPUT, message, Optional.of(field), Map.of(), null);
  }
}
