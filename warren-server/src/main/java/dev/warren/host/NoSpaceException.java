package dev.warren.host;

/**
 * A host filesystem cannot hold what was asked of it, found before writing (a sandbox's disk that
 * would not fit in the free space the data directory keeps). {@link DiskSpace#isNoSpace} knows it,
 * so the API answers it like any full disk: 503 naming the directory and its free space.
 */
public final class NoSpaceException extends RuntimeException {
  public NoSpaceException(String message) {
    super(message);
  }
}
