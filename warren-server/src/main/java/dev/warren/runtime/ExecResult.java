package dev.warren.runtime;

import java.time.Duration;

/** What a one-shot command did. {@code exitCode} is 128+signal when a signal ended it. */
public record ExecResult(int exitCode, byte[] stdout, byte[] stderr, Duration duration, boolean timedOut, boolean truncated) {}
