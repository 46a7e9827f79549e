package dev.warren.runtime;

import java.time.Duration;

/**
 * What a one-shot command did. {@code exitCode} is 128+signal when a signal ended it;
 * {@code oomKilled} says the kernel killed a process of the sandbox for its memory limit meanwhile.
 */
public record ExecResult(int exitCode, byte[] stdout, byte[] stderr, Duration duration, boolean timedOut, boolean truncated,
    boolean oomKilled) {}
