package dev.warren.runtime;

/** A running sandbox's resource use, read from its cgroups. */
public record Usage(long memoryBytes, long cpuNanos, int processes) {}
