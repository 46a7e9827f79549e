package dev.warren.runtime;

/**
 * How the runtime gives sandboxes their disks on the host.
 *
 * @param keepFreeBytes free space the data directory keeps ({@code WARREN_MIN_FREE_SPACE}): a
 *     sandbox whose disk could not grow to its limit without eating into it is not started
 * @param reserve whether each disk's whole size is reserved on the host when it is made
 *     ({@code WARREN_DISK_ALLOCATION=reserved}), instead of taking space only as it is written
 * @param defaultDiskMb the size most sandboxes ask for ({@code WARREN_DEFAULT_DISK_MB})
 * @param poolSize disks of the default size kept made and mounted ahead of demand ({@code WARREN_DISK_POOL})
 */
public record DiskPolicy(long keepFreeBytes, boolean reserve, int defaultDiskMb, int poolSize) {
  public DiskPolicy {
    if (keepFreeBytes < 0) {
      throw new IllegalArgumentException("keepFreeBytes must not be negative, got " + keepFreeBytes);
    }
    if (poolSize < 0) {
      throw new IllegalArgumentException("poolSize must not be negative, got " + poolSize);
    }
  }
}
