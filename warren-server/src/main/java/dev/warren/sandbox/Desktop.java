package dev.warren.sandbox;

import dev.warren.error.WarrenException;

/**
 * A virtual display a sandbox asked for: Xvfb of this size and a VNC server on it, started at every
 * start of the sandbox (see {@code dev.warren.stream.Desktops}), reached through the controller's
 * VNC-over-WebSocket proxy.
 */
public record Desktop(int width, int height) {
  /** The X display number inside the sandbox. */
  public static final int DISPLAY = 99;
  /** Where the VNC server listens, on the sandbox's own address inside its network namespace. */
  public static final int VNC_PORT = 5900;

  public Desktop {
    if (width < 320 || width > 3840) {
      throw WarrenException.invalid("desktop.width", "desktop.width must be between 320 and 3840, got " + width);
    }
    if (height < 200 || height > 2160) {
      throw WarrenException.invalid("desktop.height", "desktop.height must be between 200 and 2160, got " + height);
    }
  }
}
