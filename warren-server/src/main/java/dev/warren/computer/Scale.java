package dev.warren.computer;

/**
 * The caller's screen space beside the real one: screenshots are scaled to {@code view} and the
 * caller's coordinates are mapped back to {@code real}. Without a {@code screen} in the request the
 * two are the same.
 */
public record Scale(Size real, Size view) {
  /** A width and height in pixels. */
  public record Size(int width, int height) {
    @Override
    public String toString() {
      return width + "x" + height;
    }
  }

  public static Scale none(Size real) {
    return new Scale(real, real);
  }

  public boolean scaled() {
    return !real.equals(view);
  }

  /** The real x of a caller's x, in [0, real width). */
  public int x(int x) {
    return map(x, view.width(), real.width());
  }

  public int y(int y) {
    return map(y, view.height(), real.height());
  }

  /** A real x in the caller's space (for the pointer's position). */
  public int viewX(int x) {
    return map(x, real.width(), view.width());
  }

  public int viewY(int y) {
    return map(y, real.height(), view.height());
  }

  private static int map(int v, int from, int to) {
    if (from == to) {
      return v;
    }
    // the centre of the caller's pixel, in the other space
    return Math.clamp((long) Math.floor((v + 0.5) * to / from), 0, to - 1);
  }
}
