package dev.warren.client;

import java.util.Objects;
import java.util.Optional;

/**
 * A call to Warren failed. The root of the SDK's unchecked exception family; the subclasses name
 * the common answers ({@link InvalidInputException} 400, {@link UnauthorizedException} 401/403,
 * {@link NotFoundException} 404, {@link ConflictException} 409, {@link LimitExceededException}
 * 429, {@link UnavailableException} 502/503/504 and connection failures). Other statuses (413,
 * 422, 500, …) arrive as a plain {@code WarrenException}.
 *
 * <p>The message names the method, the path, the status and the server's detail, e.g.
 * {@code POST /v1/sandboxes failed with 400 invalid-input: limits.memoryMb must be between 16 and
 * 262144, got -5 (field limits.memoryMb)}.
 */
public class WarrenException extends RuntimeException {

  private final String method;
  private final String path;
  private final Problem problem;

  /**
   * @param problem the server's answer, or {@code null} when there was none (connection failure,
   *     interrupted wait)
   */
  public WarrenException(String message, String method, String path, Problem problem, Throwable cause) {
    super(Objects.requireNonNull(message, "message"), cause);
    this.method = Objects.requireNonNull(method, "method");
    this.path = Objects.requireNonNull(path, "path");
    this.problem = problem;
  }

  /** The HTTP method of the failed call. */
  public String method() {
    return method;
  }

  /** The path and query of the failed call, e.g. {@code /v1/sandboxes/sbx_01…/stop}. */
  public String path() {
    return path;
  }

  /** The HTTP status the server answered, or 0 when no answer arrived. */
  public int status() {
    return problem == null ? 0 : problem.status();
  }

  /** The problem body, empty when no answer arrived. */
  public Optional<Problem> problem() {
    return Optional.ofNullable(problem);
  }

  /** The problem's {@code detail}, when there is one. */
  public Optional<String> detail() {
    return problem().flatMap(Problem::detail);
  }
}
