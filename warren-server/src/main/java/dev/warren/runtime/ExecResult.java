package dev.warren.runtime;

import java.time.Duration;

/**
 * What a one-shot command did. {@code exitCode} is 128+signal when a signal ended it;
 * {@code oomKilled} says the kernel killed a process of the sandbox for its memory limit meanwhile.
 * {@code stdout} and {@code stderr} are the first bytes of each stream (at most the spec's
 * {@code maxOutputBytes}); {@code stdoutSize} and {@code stderrSize} how many the command wrote.
 */
public record ExecResult(int exitCode, byte[] stdout, byte[] stderr, Duration duration, boolean timedOut, boolean truncated,
    boolean oomKilled, long stdoutSize, long stderrSize) {}
