package dev.warren.client;

/** The server or its runtime is unavailable: 502/503/504, or no connection, after the SDK's retries. */
public class UnavailableException extends WarrenException {

  public UnavailableException(String message, String method, String path, Problem problem, Throwable cause) {
    super(message, method, path, problem, cause);
  }
}
