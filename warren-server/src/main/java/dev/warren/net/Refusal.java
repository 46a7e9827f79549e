package dev.warren.net;

/**
 * Why the proxy answers a client with an error instead of relaying: the HTTP status and a plain-text
 * reason that is safe to show the sandbox and to record (it never carries credentials). Checked, and
 * without a stack trace, because it is ordinary control flow.
 */
final class Refusal extends Exception {

  private final int status;

  Refusal(int status, String reason) {
    super(reason, null, false, false);
    this.status = status;
  }

  /** A refusal the client is not told about, because it has already gone. */
  static Refusal silent(String reason) {
    return new Refusal(0, reason);
  }

  /** The status to answer with, or 0 when there is no one to answer. */
  int status() {
    return status;
  }

  String reason() {
    return getMessage();
  }
}
