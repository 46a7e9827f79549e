package dev.warren.host;

/** A Linux system call failed; {@link #errno()} is the C errno. */
public class SyscallException extends RuntimeException {
  private final int errno;

  public SyscallException(String call, String subject, int errno, String description) {
    super(call + "(" + subject + ") failed: " + description + " (errno " + errno + ")");
    this.errno = errno;
  }

  public int errno() {
    return errno;
  }
}
