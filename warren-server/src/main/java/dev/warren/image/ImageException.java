package dev.warren.image;

import dev.warren.error.Problem;
import dev.warren.error.WarrenException;
import java.util.List;

/**
 * Image problems: unknown recipe, image not built, build failed (with the tool's output). Sandbox
 * creation turns them into precise answers; one that reaches the API unwrapped is a 503.
 */
public class ImageException extends WarrenException {
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
    super(Problem.UNAVAILABLE, toolOutput.isEmpty() ? message : message + "\n  | " + String.join("\n  | ", toolOutput), cause);
    this.toolOutput = List.copyOf(toolOutput);
  }

  /** The last lines of the failed tool's output; empty when no tool was involved. */
  public List<String> toolOutput() {
    return toolOutput;
  }
}
