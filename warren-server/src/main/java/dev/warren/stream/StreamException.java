package dev.warren.stream;

import dev.warren.error.Problem;
import dev.warren.error.WarrenException;

/** Failures of live views, desktops and handoffs. */
public class StreamException extends WarrenException {
  StreamException(Problem problem, String message) {
    super(problem, message);
  }

  StreamException(Problem problem, String message, java.util.Map<String, Object> extra) {
    super(problem, message, java.util.Optional.empty(), extra, null);
  }
}
