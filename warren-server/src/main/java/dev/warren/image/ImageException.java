package dev.warren.image;

import java.util.List;

/** Image problems: unknown recipe, image not built, build failed (with the tool's output). */
public class ImageException extends RuntimeException {
  private final List<String> toolOutput;

  public ImageException(String message) {
    this(message, List.of(), null);
  }

  public ImageException(String message, Throwable cause) {
    this(message, List.of(), cause);
  }

  /**
   * @param toolOutput the last lines a failed tool printed (debootstrap, the setup script); they are
   *     also appended to the message so logs show them
   */
  public ImageException(String message, List<String> toolOutput, Throwable cause) {
    super(toolOutput.isEmpty() ? message : message + "\n  | " + String.join("\n  | ", toolOutput), cause);
    this.toolOutput = List.copyOf(toolOutput);
  }

  /** The last lines of the failed tool's output; empty when no tool was involved. */
  public List<String> toolOutput() {
    return toolOutput;
  }
}
