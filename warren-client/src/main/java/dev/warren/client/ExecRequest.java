package dev.warren.client;

import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One command to run to completion in a sandbox: either a shell string (run by {@code /bin/sh -c})
 * or an argv list, plus environment, working directory, standard input and a timeout. Immutable;
 * the {@code cwd(…)}, {@code env(…)}, {@code stdin(…)} and {@code timeout(…)} methods return copies.
 *
 * <pre>{@code
 * ExecRequest.argv("ls", "-l").cwd("/tmp").env("A", "1").timeout(Duration.ofSeconds(5))
 * }</pre>
 *
 * @param timeout how long the command may run before its process group is killed; sent in whole
 *     seconds, rounded up. Defaults to {@link #DEFAULT_TIMEOUT}.
 */
public record ExecRequest(
    Optional<String> command,
    List<String> argv,
    Map<String, String> env,
    Optional<String> cwd,
    Optional<String> stdin,
    Duration timeout) {

  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

  public ExecRequest {
    Objects.requireNonNull(command, "command");
    argv = List.copyOf(Objects.requireNonNull(argv, "argv"));
    if (command.isPresent() == !argv.isEmpty()) {
      throw new IllegalArgumentException("give exactly one of command or argv");
    }
    command.ifPresent(c -> {
      if (c.isBlank()) throw new IllegalArgumentException("command must not be blank");
    });
    env = Map.copyOf(Objects.requireNonNull(env, "env"));
    env.keySet().forEach(k -> {
      if (k.isBlank() || k.indexOf('=') >= 0) throw new IllegalArgumentException("bad env name: '" + k + "'");
    });
    Objects.requireNonNull(cwd, "cwd");
    cwd.ifPresent(c -> {
      if (!c.startsWith("/")) throw new IllegalArgumentException("cwd must be an absolute path, got " + c);
    });
    Objects.requireNonNull(stdin, "stdin");
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive, got " + timeout);
    }
  }

  /** A shell command line, run by {@code /bin/sh -c}. */
  public static ExecRequest command(String commandLine) {
    Objects.requireNonNull(commandLine, "commandLine");
    return new ExecRequest(Optional.of(commandLine), List.of(), Map.of(), Optional.empty(), Optional.empty(),
        DEFAULT_TIMEOUT);
  }

  /** A program and its arguments, run without a shell. */
  public static ExecRequest argv(String... argv) {
    return argv(Arrays.asList(Objects.requireNonNull(argv, "argv")));
  }

  public static ExecRequest argv(List<String> argv) {
    Objects.requireNonNull(argv, "argv");
    if (argv.isEmpty()) throw new IllegalArgumentException("argv must name a program");
    argv.forEach(a -> Objects.requireNonNull(a, "argv element"));
    return new ExecRequest(Optional.empty(), argv, Map.of(), Optional.empty(), Optional.empty(), DEFAULT_TIMEOUT);
  }

  public ExecRequest cwd(String directory) {
    return new ExecRequest(command, argv, env, Optional.of(Objects.requireNonNull(directory, "directory")),
        stdin, timeout);
  }

  public ExecRequest env(String name, String value) {
    var copy = new LinkedHashMap<>(env);
    copy.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
    return new ExecRequest(command, argv, copy, cwd, stdin, timeout);
  }

  /** Text fed to the command's standard input, which is then closed. */
  public ExecRequest stdin(String input) {
    return new ExecRequest(command, argv, env, cwd, Optional.of(Objects.requireNonNull(input, "input")),
        timeout);
  }

  public ExecRequest timeout(Duration limit) {
    return new ExecRequest(command, argv, env, cwd, stdin, Objects.requireNonNull(limit, "limit"));
  }

  /** The timeout as sent: whole seconds, rounded up. */
  long timeoutSeconds() {
    long seconds = timeout.toSeconds();
    return timeout.toNanosPart() == 0 ? seconds : seconds + 1;
  }
}
