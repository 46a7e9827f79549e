package dev.warren.runtime;

/** The runtime as a whole cannot work (its tool missing, namespaces refused); answered with 503. */
public class RuntimeUnavailableException extends SandboxRuntimeException {
  public RuntimeUnavailableException(String message) {
    super(message);
  }

  public RuntimeUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
