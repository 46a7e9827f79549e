package dev.warren.host;

import dev.warren.error.Problem;
import dev.warren.error.WarrenException;
import java.util.List;

/** A host tool (crun, ip, nft, mount…) failed; the message carries its arguments and stderr. A fault: 503. */
public class ToolException extends WarrenException {
  private final List<String> argv;
  private final int exitCode;
  private final String stderr;

  public ToolException(List<String> argv, int exitCode, String stderr, String message) {
    super(Problem.UNAVAILABLE, message);
    this.argv = List.copyOf(argv);
    this.exitCode = exitCode;
    this.stderr = stderr;
  }

  public ToolException(List<String> argv, String message, Throwable cause) {
    super(Problem.UNAVAILABLE, message, cause);
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
