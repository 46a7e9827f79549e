package dev.warren.stream;

/**
 * The WebSocket close codes of live views (screencast and VNC). Every close Warren makes carries
 * one of these and a reason in words; a client reconnects by itself only after
 * {@link #GENERATION_CHANGED} (at once: the new generation is waiting) and after
 * {@link #SHUTTING_DOWN} or a lost connection (a few times, while the controller comes back).
 */
public enum CloseCode {
  /** The client asked to close. */
  NORMAL(1000),
  /** The controller is shutting down; reconnect to the same URL when it is back. */
  SHUTTING_DOWN(1001),
  /** Something unexpected failed on the server; the reason says what. */
  INTERNAL(1011),
  /** The request was malformed (bad viewer id, bad parameter). */
  BAD_REQUEST(4000),
  /** The browser or sandbox restarted; the reason names the old and new generation. Reconnect. */
  GENERATION_CHANGED(4001),
  /** The token is missing, expired, or not valid for this target. */
  FORBIDDEN(4003),
  /** The target was closed or deleted. */
  GONE(4004),
  /** The same viewer id connected again; this older connection is replaced. */
  REPLACED(4009),
  /** The target waited too long for its browser or desktop to start. */
  START_TIMEOUT(4408),
  /** The target is not running (crashed or stopped) and will not come back by itself. */
  NOT_RUNNING(4409);

  private final int code;

  CloseCode(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }
}
