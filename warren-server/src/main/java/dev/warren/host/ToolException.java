package dev.warren.host;

import java.util.List;

/** A host tool (crun, ip, nft, mount…) failed; the message carries its arguments and stderr. */
public class ToolException extends RuntimeException {
  private final List<String> argv;
  private final int exitCode;
  private final String stderr;

  public ToolException(List<String> argv, int exitCode, String stderr, String message) {
    super(message);
    this.argv = List.copyOf(argv);
    this.exitCode = exitCode;
    this.stderr = stderr;
  }

  public ToolException(List<String> argv, String message, Throwable cause) {
    super(message, cause);
    this.argv = List.copyOf(argv);
    this.exitCode = -1;
    this.stderr = "";
  }

  public List<String> argv() {
    return argv;
  }

  public int exitCode() {
    return exitCode;
  }

  public String stderr() {
    return stderr;
  }
}
