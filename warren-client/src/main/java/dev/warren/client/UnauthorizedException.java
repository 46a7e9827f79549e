package dev.warren.client;

/** The token is missing or wrong (401), or not valid for this target (403). */
public class UnauthorizedException extends WarrenException {

  public UnauthorizedException(String message, String method, String path, Problem problem, Throwable cause) {
    super(message, method, path, problem, cause);
  }
}
