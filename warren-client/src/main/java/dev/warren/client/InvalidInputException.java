package dev.warren.client;

import java.util.Optional;

/** The server rejected the request's input (400); {@link #field()} names the offending member. */
public class InvalidInputException extends WarrenException {

  public InvalidInputException(String message, String method, String path, Problem problem, Throwable cause) {
    super(message, method, path, problem, cause);
  }

  /** The member the server objected to, e.g. {@code limits.memoryMb}, when it named one. */
  public Optional<String> field() {
    return problem().flatMap(Problem::field);
  }
}
