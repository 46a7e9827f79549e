package dev.warren.runtime;

import dev.warren.error.Problem;
import dev.warren.error.WarrenException;
import java.util.Map;
import java.util.Optional;

/**
 * A file operation in a sandbox failed; {@link #kind()} says how, the message says what, naming the
 * path. The problem type follows the kind (bad paths are 400s naming the field {@code path}); a
 * full disk is {@link Kind#NO_SPACE}, which the caller words (it knows the sandbox's limits).
 */
public final class GuestFileException extends WarrenException {

  /** How a file operation failed. */
  public enum Kind {
    NOT_FOUND(Problem.NOT_FOUND, false),
    BAD_PATH(Problem.INVALID_INPUT, true),
    EXISTS(Problem.CONFLICT, false),
    NOT_RUNNING(Problem.CONFLICT, false),
    TOO_LARGE(Problem.TOO_LARGE, false),
    NO_SPACE(Problem.UNAVAILABLE, false),
    FAILED(Problem.INVALID_INPUT, false);

    final Problem problem;
    final boolean pathField;

    Kind(Problem problem, boolean pathField) {
      this.problem = problem;
      this.pathField = pathField;
    }
  }

  private final Kind kind;

  public GuestFileException(Kind kind, String message, Throwable cause) {
    super(kind.problem, message, kind.pathField ? Optional.of("path") : Optional.empty(), Map.of(), cause);
    this.kind = kind;
  }

  public GuestFileException(Kind kind, String message) {
    this(kind, message, null);
  }

  public Kind kind() {
    return kind;
  }
}
