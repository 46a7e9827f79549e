package dev.warren.client;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * One command for a {@link Session}: a shell script sourced into the session's shell, how long to
 * wait for it, how long it may run, and its standard input. Immutable; the methods that configure
 * it return copies.
 *
 * <pre>{@code
 * CommandRequest.of("make").timeout(Duration.ofMinutes(5)).waitFor(Duration.ofSeconds(30)).stdin("yes\n")
 * }</pre>
 *
 * @param command the script; multi-line scripts and heredocs are fine
 * @param async answer at once with the job queued or running instead of waiting for it
 * @param waitFor how long {@link Session#run(CommandRequest)} waits for the end; a command still
 *     running then is answered as it is, not as an error. Default {@link #DEFAULT_WAIT}.
 * @param timeout how long the command may run before the shell abandons it and every process it
 *     started is killed; none by default
 * @param stdin bytes fed to the command's standard input, then end of file (unless
 *     {@code keepStdinOpen}); without it the command reads end of file at once
 * @param keepStdinOpen leave standard input open for {@link Command#stdin(byte[])} and
 *     {@link Command#closeStdin()}; the command reads until that closes it
 */
public record CommandRequest(
    String command,
    boolean async,
    Optional<Duration> waitFor,
    Optional<Duration> timeout,
    Optional<byte[]> stdin,
    boolean keepStdinOpen) {

  /** How long a synchronous command is waited for unless the request says otherwise. */
  public static final Duration DEFAULT_WAIT = Duration.ofSeconds(60);

  public CommandRequest {
    Objects.requireNonNull(command, "command");
    if (command.isBlank()) throw new IllegalArgumentException("command must not be blank");
    if (command.indexOf('\0') >= 0) throw new IllegalArgumentException("command must not contain NUL");
    Objects.requireNonNull(waitFor, "waitFor");
    waitFor.ifPresent(d -> {
      if (d.isNegative()) throw new IllegalArgumentException("waitFor must not be negative, got " + d);
    });
    if (async && waitFor.isPresent()) throw new IllegalArgumentException("give async or waitFor, not both");
    Objects.requireNonNull(timeout, "timeout");
    timeout.ifPresent(d -> {
      if (d.toMillis() < 1) throw new IllegalArgumentException("timeout must be at least 1 ms, got " + d);
    });
    stdin = Objects.requireNonNull(stdin, "stdin").map(byte[]::clone);
  }

  /** A synchronous command with the default wait, no timeout and no input. */
  public static CommandRequest of(String command) {
    return new CommandRequest(command, false, Optional.empty(), Optional.empty(), Optional.empty(), false);
  }

  /** Waits up to this long for the command to end (zero: not at all). */
  public CommandRequest waitFor(Duration wait) {
    return new CommandRequest(command, async, Optional.of(Objects.requireNonNull(wait, "wait")), timeout, stdin,
        keepStdinOpen);
  }

  /** With {@code true}, answers at once with the job queued or running. */
  public CommandRequest async(boolean answerAtOnce) {
    return new CommandRequest(command, answerAtOnce, waitFor, timeout, stdin, keepStdinOpen);
  }

  /** Stops the command after this long ({@link CommandInfo#timedOut()}); sent in milliseconds. */
  public CommandRequest timeout(Duration limit) {
    return new CommandRequest(command, async, waitFor, Optional.of(Objects.requireNonNull(limit, "limit")), stdin,
        keepStdinOpen);
  }

  /** Text for standard input, sent as UTF-8. */
  public CommandRequest stdin(String input) {
    return stdin(Objects.requireNonNull(input, "input").getBytes(StandardCharsets.UTF_8));
  }

  /** Bytes for standard input, any bytes: input that is not UTF-8 goes through the raw stdin call. */
  public CommandRequest stdin(byte[] input) {
    return new CommandRequest(command, async, waitFor, timeout, Optional.of(Objects.requireNonNull(input, "input")),
        keepStdinOpen);
  }

  /** With {@code true}, standard input stays open after any {@code stdin} bytes, for {@link Command#stdin(byte[])}. */
  public CommandRequest keepStdinOpen(boolean keepOpen) {
    return new CommandRequest(command, async, waitFor, timeout, stdin, keepOpen);
  }

  /** A copy of the input bytes, if any. */
  @Override
  public Optional<byte[]> stdin() {
    return stdin.map(byte[]::clone);
  }

  /** How long the submitting call waits: zero when async. */
  Duration effectiveWait() {
    return async ? Duration.ZERO : waitFor.orElse(DEFAULT_WAIT);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CommandRequest r && command.equals(r.command) && async == r.async && waitFor.equals(r.waitFor)
        && timeout.equals(r.timeout) && keepStdinOpen == r.keepStdinOpen
        && Arrays.equals(stdin.orElse(null), r.stdin.orElse(null)) && stdin.isPresent() == r.stdin.isPresent();
  }

  @Override
  public int hashCode() {
    return Objects.hash(command, async, waitFor, timeout, keepStdinOpen, stdin.map(Arrays::hashCode));
  }

  @Override
  public String toString() {
    return "CommandRequest[command=" + command + ", async=" + async + ", waitFor=" + waitFor + ", timeout=" + timeout
        + ", stdin=" + stdin.map(b -> b.length + " bytes").orElse("none") + ", keepStdinOpen=" + keepStdinOpen + "]";
  }
}
