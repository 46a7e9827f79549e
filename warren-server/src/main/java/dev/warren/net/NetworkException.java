package dev.warren.net;

/** The host network could not be set up or changed; the message names the interface and the tool's error. */
public class NetworkException extends RuntimeException {
  public NetworkException(String message) {
    super(message);
  }

  public NetworkException(String message, Throwable cause) {
    super(message, cause);
  }
}
