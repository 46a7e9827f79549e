package dev.warren.runtime;

/** The runtime could not do what was asked of one sandbox; the message says what and why. */
public class SandboxRuntimeException extends RuntimeException {
  public SandboxRuntimeException(String message) {
    super(message);
  }

  public SandboxRuntimeException(String message, Throwable cause) {
    super(message, cause);
  }
}
