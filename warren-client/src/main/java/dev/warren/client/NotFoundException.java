package dev.warren.client;

/** The sandbox, file or route does not exist (404); a deleted sandbox answers this too. */
public class NotFoundException extends WarrenException {

  public NotFoundException(String message, String method, String path, Problem problem, Throwable cause) {
    super(message, method, path, problem, cause);
  }
}
