package dev.warren.browser;

import dev.warren.error.Problem;
import dev.warren.error.WarrenException;
import java.util.Map;
import java.util.Optional;

/** Failures of browser sessions and profiles. */
public class BrowserException extends WarrenException {
  BrowserException(Problem problem, String message) {
    super(problem, message);
  }

  BrowserException(Problem problem, String message, Throwable cause) {
    super(problem, message, cause);
  }

  BrowserException(Problem problem, String message, Map<String, Object> extra) {
    super(problem, message, Optional.empty(), extra, null);
  }

  static BrowserException notFound(String id) {
    return new BrowserException(Problem.NOT_FOUND, "no browser session " + id);
  }
}
