package dev.warren.stream;

import java.util.Objects;

/** The live-view services the API serves: screencast viewers, handoffs and the VNC proxy. */
public record LiveStreams(LiveViews views, Handoffs handoffs, VncProxy vnc) implements AutoCloseable {
  public LiveStreams {
    Objects.requireNonNull(views, "views");
    Objects.requireNonNull(handoffs, "handoffs");
    Objects.requireNonNull(vnc, "vnc");
  }

  /** Closes every viewer with {@link CloseCode#SHUTTING_DOWN} (idempotent). */
  @Override
  public void close() {
    views.close();
    vnc.close();
  }
}
