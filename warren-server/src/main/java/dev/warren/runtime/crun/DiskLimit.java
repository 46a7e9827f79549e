package dev.warren.runtime.crun;

import dev.warren.runtime.Limits;
import dev.warren.runtime.Usage;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/**
 * Where a sandbox's own changes (the overlay's upper and work directories) live, limited in bytes
 * and inodes by the kernel. {@link Ext4Disks} is the implementation for kernels without quotas: a
 * filesystem image per sandbox on a loop device. Where the data directory's filesystem has project
 * quotas, an implementation would keep upper and work in a directory tagged with a project id per
 * sandbox, set that project's block and inode limits, and have nothing to mount or attach.
 *
 * <p>Thread-safe for different sandboxes; the caller serialises calls for one sandbox.
 */
interface DiskLimit extends AutoCloseable {

  /** The overlay's upper and work directories on a mounted disk. */
  record Layer(Path upper, Path work) {}

  /** Checks the host once; throws {@code RuntimeUnavailableException} saying what is missing. */
  void init();

  /**
   * Makes the sandbox's disk with {@code limits} when it has none, or brings back the one it has
   * (its files kept), and returns where its upper and work directories are, the upper one owned
   * by {@code rootUid}. Idempotent while the disk is in use.
   *
   * @throws dev.warren.runtime.SandboxRuntimeException when the host cannot give the disk (naming
   *     the free space), or the disk cannot be made or used
   */
  Layer open(String id, SandboxDirs dirs, Limits limits, long rootUid);

  /** Releases what {@link #open} holds on the host, keeping the disk's files. Idempotent. */
  void close(String id, SandboxDirs dirs);

  /** Use of the disk of a sandbox whose disk is open; empty otherwise. */
  Optional<Usage.Disk> usage(SandboxDirs dirs);

  /**
   * Whether an open disk has too little room left for Warren's agent to take a request and answer
   * it through files on it; commands then run through crun exec, which answers through pipes.
   */
  default boolean nearlyFull(SandboxDirs dirs) {
    return usage(dirs).map(d -> d.freeBytes() < 4L << 20 || d.freeInodes() < 64).orElse(false);
  }

  /** Ids of this instance's sandboxes that hold something of their disk on the host (for reconciliation). */
  Set<String> held();

  /** Removes what this made besides sandboxes' disks (templates, ready disks); every sandbox's disk must have been closed. */
  void uninstall();

  /** Stops background work; what is on the host stays. Idempotent. */
  @Override
  void close();
}
