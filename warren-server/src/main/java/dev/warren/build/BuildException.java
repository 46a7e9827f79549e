package dev.warren.build;

import dev.warren.error.Problem;
import dev.warren.error.WarrenException;
import java.util.Map;
import java.util.Optional;

/** A build that could not go on: 503 when the host failed it, 422 ({@link Problem#BUILD_FAILED}) when a step did, with what the step said. */
public final class BuildException extends WarrenException {
  BuildException(String message) {
    super(Problem.UNAVAILABLE, message);
  }

  BuildException(String message, Throwable cause) {
    super(Problem.UNAVAILABLE, message, cause);
  }

  BuildException(String message, Map<String, Object> extra) {
    super(Problem.BUILD_FAILED, message, Optional.empty(), extra, null);
  }
}
