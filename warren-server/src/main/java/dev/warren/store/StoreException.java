package dev.warren.store;

/** The store cannot be used: unreachable database, full disk, failed migration. */
public class StoreException extends RuntimeException {
  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }

  public StoreException(String message) {
    super(message);
  }
}
