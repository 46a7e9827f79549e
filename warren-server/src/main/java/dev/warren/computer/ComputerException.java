package dev.warren.computer;

import dev.warren.error.Problem;
import dev.warren.error.WarrenException;

/** Failures of computer-use actions: a desktop that does not answer, a page that refused an input. */
public class ComputerException extends WarrenException {
  public ComputerException(Problem problem, String message) {
    super(problem, message);
  }

  public ComputerException(Problem problem, String message, Throwable cause) {
    super(problem, message, cause);
  }
}
