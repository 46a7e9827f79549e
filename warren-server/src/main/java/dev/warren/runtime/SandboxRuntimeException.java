package dev.warren.runtime;

import dev.warren.error.Problem;
import dev.warren.error.WarrenException;

/**
 * The runtime could not do what was asked of one sandbox; the message says what and why. A fault
 * of the host, answered with 503 when it reaches the API unwrapped.
 */
public class SandboxRuntimeException extends WarrenException {
  public SandboxRuntimeException(String message) {
    super(Problem.UNAVAILABLE, message);
  }

  public SandboxRuntimeException(String message, Throwable cause) {
    super(Problem.UNAVAILABLE, message, cause);
  }
}
