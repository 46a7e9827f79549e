package dev.warren.runtime;

/**
 * What a runtime may or may not offer, declared by {@link SandboxRuntime#capabilities()} rather
 * than assumed: the API checks before it promises one.
 */
public enum Capability {
  /** Per-sandbox disk limits ({@code limits.diskMb}, {@code limits.diskInodes}). */
  DISK_LIMITS,
  /** Freezing a sandbox's processes and thawing them again. */
  PAUSE,
  /** Saving a running sandbox's memory and restoring it later. */
  SNAPSHOT,
  /** Capturing a sandbox's files as a read-only layer other sandboxes start from ({@link SandboxRuntime#captureLayer}). */
  FILESYSTEM_SNAPSHOT,
  /** Replacing the environment of the processes a running sandbox starts from now on ({@link SandboxRuntime#setEnvironment}). */
  ENVIRONMENT
}
