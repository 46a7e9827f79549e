package dev.warren.image;

/** Image problems: unknown recipe, image not built, build failed (with the tool's output). */
public class ImageException extends RuntimeException {
  public ImageException(String message) {
    super(message);
  }

  public ImageException(String message, Throwable cause) {
    super(message, cause);
  }
}
