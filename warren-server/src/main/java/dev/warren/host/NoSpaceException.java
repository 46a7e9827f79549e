package dev.warren.host;

import dev.warren.error.Problem;
import dev.warren.error.WarrenException;

/**
 * A host filesystem cannot hold what was asked of it, found before writing (a sandbox's disk that
 * would not fit in the free space the data directory keeps). {@link DiskSpace#isNoSpace} knows it,
 * so the API answers it like any full disk: 503 naming the directory and its free space.
 */
public final class NoSpaceException extends WarrenException {
  public NoSpaceException(String message) {
    super(Problem.UNAVAILABLE, message);
  }
}
