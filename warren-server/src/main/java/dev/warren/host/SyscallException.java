package dev.warren.host;

import dev.warren.error.Problem;
import dev.warren.error.WarrenException;

/**
 * A Linux system call failed; {@link #errno()} is the C errno. A host call that fails is a fault:
 * when nothing below the API turns it into something more precise, the answer is a 503 naming the
 * call, its subject and the errno.
 */
public class SyscallException extends WarrenException {
  private final int errno;

  public SyscallException(String call, String subject, int errno, String description) {
    super(Problem.UNAVAILABLE, call + "(" + subject + ") failed: " + description + " (errno " + errno + ")");
    this.errno = errno;
  }

  public int errno() {
    return errno;
  }
}
