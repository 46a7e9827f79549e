package dev.warren.runtime;

import java.util.Objects;
import java.util.Optional;

/**
 * A running sandbox's resource use: memory, CPU and processes from its cgroups, and its disk when
 * it has one of its own.
 */
public record Usage(long memoryBytes, long cpuNanos, int processes, Optional<Disk> disk) {
  public Usage {
    Objects.requireNonNull(disk, "disk");
  }

  public Usage(long memoryBytes, long cpuNanos, int processes) {
    this(memoryBytes, cpuNanos, processes, Optional.empty());
  }

  /**
   * Use of the sandbox's disk, as its filesystem counts it: free space is what the sandbox can
   * still write before ENOSPC (the filesystem's own metadata is neither used nor free).
   */
  public record Disk(long usedBytes, long freeBytes, long usedInodes, long freeInodes) {}

  public Usage withDisk(Optional<Disk> d) {
    return new Usage(memoryBytes, cpuNanos, processes, d);
  }
}
