package dev.warren.runtime;

import dev.warren.error.Problem;
import dev.warren.error.WarrenException;

/**
 * The sandbox's runtime does not offer what was asked (answered 501): a call of the seam it has not
 * implemented yet, named in the message with the runtime. Not a fault of the host; retrying does not help.
 */
public class UnsupportedByRuntimeException extends WarrenException {
  public UnsupportedByRuntimeException(String runtime, String what) {
    super(Problem.NOT_IMPLEMENTED, "the runtime " + runtime + " cannot " + what + " yet");
  }
}
