package dev.warren.ops;

import dev.warren.error.Problem;
import dev.warren.error.WarrenException;

/** An install, backup or restore cannot go on; the message says why and what to do. */
public class OpsException extends WarrenException {
  public OpsException(String message) {
    super(Problem.UNAVAILABLE, message);
  }

  public OpsException(String message, Throwable cause) {
    super(Problem.UNAVAILABLE, message, cause);
  }
}
