package dev.warren.store;

import dev.warren.error.Problem;
import dev.warren.error.WarrenException;

/** The store cannot be used: unreachable database, full disk, failed migration. Answered with 503. */
public class StoreException extends WarrenException {
  public StoreException(String message, Throwable cause) {
    super(Problem.UNAVAILABLE, message, cause);
  }

  public StoreException(String message) {
    super(Problem.UNAVAILABLE, message);
  }
}
