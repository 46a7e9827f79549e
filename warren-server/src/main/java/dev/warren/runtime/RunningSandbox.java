package dev.warren.runtime;

import java.nio.file.Path;

/** A booted sandbox: its init process on the host and where its root filesystem is mounted. */
public record RunningSandbox(String id, long initPid, Path rootfs) {}
