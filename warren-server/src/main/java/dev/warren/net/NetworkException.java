package dev.warren.net;

import dev.warren.error.Problem;
import dev.warren.error.WarrenException;

/** The host network could not be set up or changed; the message names the interface and the tool's error. A fault: 503. */
public class NetworkException extends WarrenException {
  public NetworkException(String message) {
    super(Problem.UNAVAILABLE, message);
  }

  public NetworkException(String message, Throwable cause) {
    super(Problem.UNAVAILABLE, message, cause);
  }
}
