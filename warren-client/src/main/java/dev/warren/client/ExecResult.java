package dev.warren.client;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;

/**
 * The outcome of {@link Sandbox#exec(ExecRequest)}.
 *
 * <p>The server answers with at most 8 MiB of encoded output, both streams together; binary or
 * non-UTF-8 output travels as base64 and arrives here exactly, in {@link #stdoutRaw()} and
 * {@link #stderrRaw()}. For longer output, run the command in a session ({@link Sandbox#sessions()})
 * and read its logs from any offset.
 *
 * @param exitCode the command's exit status; 137 when it was killed for its timeout
 * @param stdout standard output, decoded as UTF-8 (bytes that are not UTF-8 replaced; {@code stdoutRaw} has them)
 * @param stderr standard error, decoded as UTF-8 (likewise)
 * @param duration how long the command ran
 * @param timedOut whether the command was killed because its timeout passed
 * @param truncated whether the server cut either stream
 * @param stdoutRaw standard output exactly as the command wrote it, up to where the server cut it
 * @param stderrRaw standard error exactly, likewise
 * @param stdoutTruncated whether standard output was cut
 * @param stderrTruncated whether standard error was cut
 * @param stdoutSize how many bytes the command wrote to standard output (more than {@code stdoutRaw} when cut)
 * @param stderrSize how many bytes the command wrote to standard error
 * @param resumed whether the sandbox was paused and this call resumed it first
 */
public record ExecResult(
    int exitCode, String stdout, String stderr, Duration duration, boolean timedOut, boolean truncated,
    byte[] stdoutRaw, byte[] stderrRaw, boolean stdoutTruncated, boolean stderrTruncated, long stdoutSize, long stderrSize,
    boolean resumed) {

  public ExecResult {
    Objects.requireNonNull(stdout, "stdout");
    Objects.requireNonNull(stderr, "stderr");
    Objects.requireNonNull(duration, "duration");
    stdoutRaw = Objects.requireNonNull(stdoutRaw, "stdoutRaw").clone();
    stderrRaw = Objects.requireNonNull(stderrRaw, "stderrRaw").clone();
  }

  /** A result that did not resume its sandbox (what servers before pausing answered). */
  public ExecResult(int exitCode, String stdout, String stderr, Duration duration, boolean timedOut, boolean truncated,
      byte[] stdoutRaw, byte[] stderrRaw, boolean stdoutTruncated, boolean stderrTruncated, long stdoutSize, long stderrSize) {
    this(exitCode, stdout, stderr, duration, timedOut, truncated, stdoutRaw, stderrRaw, stdoutTruncated, stderrTruncated, stdoutSize,
        stderrSize, false);
  }

  /** A result of text output (what servers before base64 output answered). */
  public ExecResult(int exitCode, String stdout, String stderr, Duration duration, boolean timedOut, boolean truncated) {
    this(exitCode, stdout, stderr, duration, timedOut, truncated, stdout.getBytes(StandardCharsets.UTF_8),
        stderr.getBytes(StandardCharsets.UTF_8), truncated, truncated, stdout.getBytes(StandardCharsets.UTF_8).length,
        stderr.getBytes(StandardCharsets.UTF_8).length);
  }

  /** Exit code 0 and not timed out. */
  public boolean succeeded() {
    return exitCode == 0 && !timedOut;
  }

  @Override
  public byte[] stdoutRaw() {
    return stdoutRaw.clone();
  }

  @Override
  public byte[] stderrRaw() {
    return stderrRaw.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ExecResult r && exitCode == r.exitCode && stdout.equals(r.stdout) && stderr.equals(r.stderr)
        && duration.equals(r.duration) && timedOut == r.timedOut && truncated == r.truncated && Arrays.equals(stdoutRaw, r.stdoutRaw)
        && Arrays.equals(stderrRaw, r.stderrRaw) && stdoutTruncated == r.stdoutTruncated && stderrTruncated == r.stderrTruncated
        && stdoutSize == r.stdoutSize && stderrSize == r.stderrSize && resumed == r.resumed;
  }

  @Override
  public int hashCode() {
    return Objects.hash(exitCode, stdout, stderr, duration, timedOut, truncated, Arrays.hashCode(stdoutRaw), Arrays.hashCode(stderrRaw),
        stdoutTruncated, stderrTruncated, stdoutSize, stderrSize, resumed);
  }

  @Override
  public String toString() {
    return "ExecResult[exitCode=" + exitCode + ", stdout=" + stdout + ", stderr=" + stderr + ", duration=" + duration + ", timedOut="
        + timedOut + ", truncated=" + truncated + ", stdoutSize=" + stdoutSize + ", stderrSize=" + stderrSize + ", resumed=" + resumed + "]";
  }
}
