package dev.warren.error;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Base of every capability's exception family: carries the {@link Problem} kind the API answers
 * with, the offending field for invalid input, and extra members for the problem body. The API maps
 * an exception by its problem alone, so a family member raised deep in a call (a failed system call
 * or host tool) is answered with its own status and message wherever it surfaces; only exceptions
 * outside the family (a bug) are a 500.
 */
public class WarrenException extends RuntimeException {
  private final Problem problem;
  private final Optional<String> field;
  private final Map<String, Object> extra;

  public WarrenException(Problem problem, String message) {
    this(problem, message, Optional.empty(), Map.of(), null);
  }

  public WarrenException(Problem problem, String message, Throwable cause) {
    this(problem, message, Optional.empty(), Map.of(), cause);
  }

  public WarrenException(Problem problem, String message, Optional<String> field, Map<String, Object> extra, Throwable cause) {
    super(message, cause);
    this.problem = Objects.requireNonNull(problem, "problem");
    this.field = Objects.requireNonNull(field, "field");
    this.extra = Map.copyOf(extra);
  }

  public static WarrenException invalid(String field, String message) {
    return new WarrenException(Problem.INVALID_INPUT, message, Optional.of(field), Map.of(), null);
  }

  public Problem problem() {
    return problem;
  }

  public Optional<String> field() {
    return field;
  }

  public Map<String, Object> extra() {
    return extra;
  }
}
