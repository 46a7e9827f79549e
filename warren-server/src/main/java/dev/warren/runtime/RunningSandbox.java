package dev.warren.runtime;

/** A booted sandbox and its init process on the host. */
public record RunningSandbox(String id, long initPid) {}
