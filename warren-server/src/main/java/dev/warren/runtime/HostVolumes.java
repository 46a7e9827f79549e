package dev.warren.runtime;

import java.util.Optional;
import java.util.Set;

/**
 * Where a runtime keeps volumes on the host: one filesystem per volume whose size the kernel
 * enforces, kept mounted on the host (root's alone) from its create to its delete, and given to the
 * sandboxes that name it at their start ({@link StartSpec#volumes()}). Knows nothing of the store:
 * the layer above decides which volumes exist and calls {@link #remove} for the others.
 *
 * <p>Thread-safe for different volumes; the caller serialises calls for one volume.
 */
public interface HostVolumes {

  /**
   * Makes the empty filesystem of {@code name}, {@code sizeMb} MiB, and mounts it.
   *
   * @throws SandboxRuntimeException when it cannot be made (a {@code NoSpaceException} cause when the host has no room)
   */
  void create(String name, int sizeMb);

  /** Mounts the filesystem of an existing volume if it is not mounted (checked first when it was left unclean). */
  void open(String name);

  /** Unmounts the filesystem of {@code name} and deletes it. Idempotent. */
  void remove(String name);

  /** Whether the filesystem of {@code name} is on the host. */
  boolean exists(String name);

  /** The names of the volumes whose files are on the host (for reconciliation). */
  Set<String> onHost();

  /** Bytes in use on the volume's filesystem, when it is mounted. */
  Optional<Long> usedBytes(String name);

  /** Unmounts every volume, keeping their files (teardown: the data directory is the caller's). */
  void unmountAll();
}
