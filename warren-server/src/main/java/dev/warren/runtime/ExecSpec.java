package dev.warren.runtime;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A one-shot command in a running sandbox.
 *
 * @param argv the program and its arguments (a shell string is {@code [bash, -c, string]})
 * @param stdin bytes fed to the command, then end of file; empty means end of file at once
 * @param maxOutputBytes per stream; output past it is read and dropped
 */
public record ExecSpec(
    List<String> argv, Map<String, String> env, Optional<String> cwd, byte[] stdin, Duration timeout, int maxOutputBytes) {
  public ExecSpec {
    argv = List.copyOf(argv);
    if (argv.isEmpty()) {
      throw new IllegalArgumentException("argv must not be empty");
    }
    env = Map.copyOf(env);
    Objects.requireNonNull(cwd, "cwd");
    stdin = stdin == null ? new byte[0] : stdin;
    Objects.requireNonNull(timeout, "timeout");
  }
}
