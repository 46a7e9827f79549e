package dev.warren.client;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Computer use: the actions agents' computer-use tools emit, on a desktop sandbox ({@link
 * Sandbox#desktop()}) or a browser's page ({@link Browser#computer()}), with the same names and
 * answers. Coordinates are pixels of the screen, or of the caller's screen space when one is set
 * with {@link #scaledTo}: screenshots come at that size and coordinates are mapped back. Refused
 * with a {@link ConflictException} while a human has the session through a handoff. Each method is
 * one call; thread-safe.
 */
public interface Computer {
  /** A mouse button. */
  enum Button {
    LEFT, MIDDLE, RIGHT
  }

  /** A point in the caller's screen space. */
  record Point(int x, int y) {}

  /** A PNG of the screen, {@code width} x {@code height} pixels (the caller's screen space). */
  record Screenshot(byte[] png, int width, int height) {
    public Screenshot {
      Objects.requireNonNull(png, "png");
    }
  }

  /**
   * What one {@link #perform} call gave back, one map per action in order (its {@code action}, and
   * for a screenshot {@code data} as base64 PNG with its size, for {@code cursor_position} {@code x}
   * and {@code y}); {@code screen} is the caller's screen space, {@code display} the real size.
   */
  record Results(List<Map<String, Object>> results, Point screen, Point display) {}

  /** The same computer, seen at {@code width} x {@code height}: screenshots scaled to it, coordinates mapped back. */
  Computer scaledTo(int width, int height);

  /** The caller's screen space, when {@link #scaledTo} set one. */
  Optional<Point> screen();

  Screenshot screenshot();

  void mouseMove(int x, int y);

  default void click(int x, int y) {
    click(x, y, Button.LEFT, 1);
  }

  /** {@code count} 1-3: a single, double or triple click. */
  void click(int x, int y, Button button, int count);

  /** Press at the first point, move through the rest, release at the last (at least 2 points). */
  void drag(List<Point> path);

  /** Wheel clicks at (x, y): {@code dy} &gt; 0 scrolls down, {@code dx} &gt; 0 right. */
  void scroll(int x, int y, int dx, int dy);

  /** xdotool-style keys: {@code "Return"}, {@code "ctrl+shift+t"}, several chords separated by spaces. */
  void key(String keys);

  void type(String text);

  Point cursorPosition();

  /** Waits on the server side (at most 10 s), between other actions of one {@link #perform}. */
  void pause(Duration duration);

  /**
   * Several actions in one call, run in order, each a map as the API takes it (e.g. {@code
   * Map.of("action", "click", "x", 10, "y", 20)}); nothing runs when one is refused.
   */
  Results perform(List<Map<String, Object>> actions);
}
