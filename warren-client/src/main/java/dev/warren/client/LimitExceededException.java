package dev.warren.client;

/** Too many sandboxes or requests (429), still so after the SDK's retries. */
public class LimitExceededException extends WarrenException {

  public LimitExceededException(String message, String method, String path, Problem problem, Throwable cause) {
    super(message, method, path, problem, cause);
  }
}
