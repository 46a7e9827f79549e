package dev.warren.stream;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One connected viewer of a live view: its id (chosen by the client, so a page keeps it across
 * reconnects), what its token lets it do, and its socket. Frame pacing state is guarded by the
 * lock of the channel it is in.
 */
public final class Viewer {
  /** Viewer ids: what a page can keep in session storage and put in a URL. */
  public static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

  /** What a viewer may do: watch, or also take control and send input. */
  public enum Scope {
    VIEW, CONTROL;

    public String wire() {
      return this == VIEW ? "view" : "control";
    }
  }

  private final String target;
  private final String id;
  private final Scope scope;
  private final ViewerSocket socket;
  volatile Channel channel;
  volatile boolean closedByServer;
  // pacing, under the channel's lock: the seq sent and not yet acknowledged (0: none), the last seq sent
  long awaiting;
  long lastSent;

  public Viewer(String target, String id, Scope scope, ViewerSocket socket) {
    this.target = Objects.requireNonNull(target, "target");
    this.id = Objects.requireNonNull(id, "id");
    this.scope = Objects.requireNonNull(scope, "scope");
    this.socket = Objects.requireNonNull(socket, "socket");
  }

  public String target() {
    return target;
  }

  public String id() {
    return id;
  }

  public Scope scope() {
    return scope;
  }

  ViewerSocket socket() {
    return socket;
  }

  void send(String text) {
    if (socket.isOpen()) {
      socket.send(text);
    }
  }

  /**
   * Closes from the server side, with a code and a reason. A close reason holds 123 bytes, so the
   * whole reason goes first in a {@code closing} message.
   */
  void close(CloseCode code, String reason) {
    closedByServer = true;
    if (socket.isOpen()) {
      socket.send(Messages.closing(code, reason));
    }
    socket.close(code, reason);
  }
}
