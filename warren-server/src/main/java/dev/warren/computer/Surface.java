package dev.warren.computer;

import dev.warren.computer.ComputerAction.Button;
import java.awt.image.BufferedImage;

/**
 * What computer-use actions drive: a desktop (over RFB) or a browser's page (over CDP). All
 * coordinates are real pixels of the surface. Used by one request's thread, then closed.
 */
public interface Surface extends AutoCloseable {
  /** The screen's (or viewport's) size in the surface's own pixels. */
  Scale.Size size();

  /** The screen as it is now, {@link #size()} big. */
  BufferedImage capture();

  void move(int x, int y);

  /** A button down or up at (x, y); {@code clickCount} is the click this press belongs to (1-3). */
  void button(int x, int y, Button b, boolean down, int clickCount);

  /** Wheel clicks at (x, y): dy &gt; 0 scrolls down, dx &gt; 0 right. */
  void wheel(int x, int y, int dx, int dy);

  /** A key down or up; {@code modifiers} are the CDP modifier bits held with it. */
  void key(Keys.Key k, boolean down, int modifiers);

  /** Text typed as a user would (characters the keyboard lacks included). */
  void type(String text);

  @Override
  void close();
}
