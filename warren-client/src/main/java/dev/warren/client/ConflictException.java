package dev.warren.client;

import java.util.Optional;

/** The resource is in the wrong state for the call (409); {@link #state()} says which state. */
public class ConflictException extends WarrenException {

  public ConflictException(String message, String method, String path, Problem problem, Throwable cause) {
    super(message, method, path, problem, cause);
  }

  /** The state the server reported the resource in, when it said. */
  public Optional<String> state() {
    return problem()
        .map(p -> p.extensions().get("state"))
        .filter(String.class::isInstance)
        .map(String.class::cast);
  }
}
