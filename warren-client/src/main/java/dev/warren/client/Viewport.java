package dev.warren.client;

/**
 * A browser window's size in CSS pixels. The server accepts 100–7680 by 100–4320 and defaults to
 * 1280 × 720; this record only refuses sizes that are not positive.
 */
public record Viewport(int width, int height) {

  /** The server's default, 1280 × 720. */
  public static final Viewport DEFAULT = new Viewport(1280, 720);

  public Viewport {
    if (width <= 0) throw new IllegalArgumentException("viewport width must be positive, got " + width);
    if (height <= 0) throw new IllegalArgumentException("viewport height must be positive, got " + height);
  }
}
