package dev.warren.ops;

/** An install, backup or restore cannot go on; the message says why and what to do. */
public class OpsException extends RuntimeException {
  public OpsException(String message) {
    super(message);
  }

  public OpsException(String message, Throwable cause) {
    super(message, cause);
  }
}
