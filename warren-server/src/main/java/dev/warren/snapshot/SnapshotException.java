package dev.warren.snapshot;

import dev.warren.error.Problem;
import dev.warren.error.WarrenException;

/** A snapshot call that cannot be done; the message names the snapshot, what was seen and what to do. */
public class SnapshotException extends WarrenException {
  public SnapshotException(Problem problem, String message) {
    super(problem, message);
  }

  public SnapshotException(Problem problem, String message, Throwable cause) {
    super(problem, message, cause);
  }

  static SnapshotException notFound(String idOrName) {
    return new SnapshotException(Problem.NOT_FOUND, "no snapshot has the id or name '" + shown(idOrName) + "'");
  }

  static String shown(String s) {
    return s.length() > 80 ? s.substring(0, 80) + "…" : s;
  }
}
