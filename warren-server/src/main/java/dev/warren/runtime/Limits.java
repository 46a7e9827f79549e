package dev.warren.runtime;

/**
 * cgroup and disk limits of one sandbox.
 *
 * @param memoryMb memory limit in MiB (no swap beyond it)
 * @param pids maximum number of processes and threads
 * @param cpus CPU time as a number of cores (1.5 = one and a half cores)
 * @param diskMb size of the sandbox's own disk (its changes to the image) in MiB; {@link #NO_DISK}
 *     only for sandboxes made before Warren limited disks, whose changes live unlimited on the host
 * @param diskInodes files and directories the sandbox's disk holds at most; {@link #NO_DISK} with
 *     {@code diskMb}
 */
public record Limits(int memoryMb, int pids, double cpus, int diskMb, long diskInodes) {
  public static final int MIN_MEMORY_MB = 16;
  public static final int MAX_MEMORY_MB = 262_144;
  public static final int MIN_PIDS = 8;
  public static final int MAX_PIDS = 1_000_000;
  public static final double MIN_CPUS = 0.01;
  public static final double MAX_CPUS = 1024;
  public static final int MIN_DISK_MB = 16;
  /** 1 TiB: a larger filesystem takes seconds to format. */
  public static final int MAX_DISK_MB = 1_048_576;
  public static final long MIN_DISK_INODES = 1024;
  /** One inode per 16 KiB, ext4's own default. */
  public static final long BYTES_PER_INODE = 16_384;
  /** ext4 holds at most one inode per 4 KiB block. */
  public static final long MIN_BYTES_PER_INODE = 4096;
  public static final int NO_DISK = 0;

  public Limits {
    if (memoryMb < MIN_MEMORY_MB || memoryMb > MAX_MEMORY_MB) {
      throw new IllegalArgumentException("memoryMb must be between " + MIN_MEMORY_MB + " and " + MAX_MEMORY_MB + ", got " + memoryMb);
    }
    if (pids < MIN_PIDS || pids > MAX_PIDS) {
      throw new IllegalArgumentException("pids must be between " + MIN_PIDS + " and " + MAX_PIDS + ", got " + pids);
    }
    if (!(cpus >= MIN_CPUS && cpus <= MAX_CPUS)) {
      throw new IllegalArgumentException("cpus must be between " + MIN_CPUS + " and " + MAX_CPUS + ", got " + cpus);
    }
    if (diskMb == NO_DISK) {
      if (diskInodes != NO_DISK) {
        throw new IllegalArgumentException("diskInodes needs diskMb, got " + diskInodes + " inodes without a disk");
      }
    } else {
      if (diskMb < MIN_DISK_MB || diskMb > MAX_DISK_MB) {
        throw new IllegalArgumentException("diskMb must be between " + MIN_DISK_MB + " and " + MAX_DISK_MB + ", got " + diskMb);
      }
      if (diskInodes < MIN_DISK_INODES || diskInodes > maxInodes(diskMb)) {
        throw new IllegalArgumentException("diskInodes must be between " + MIN_DISK_INODES + " and " + maxInodes(diskMb)
            + " (one per 4 KiB of diskMb " + diskMb + "), got " + diskInodes);
      }
    }
  }

  /** The inodes a disk of {@code diskMb} gets unless asked otherwise: one per 16 KiB, at least {@link #MIN_DISK_INODES}. */
  public static long defaultInodes(int diskMb) {
    return Math.max(MIN_DISK_INODES, diskMb * (1L << 20) / BYTES_PER_INODE);
  }

  /** The most inodes a disk of {@code diskMb} may have. */
  public static long maxInodes(int diskMb) {
    return diskMb * (1L << 20) / MIN_BYTES_PER_INODE;
  }

  public long memoryBytes() {
    return memoryMb * 1024L * 1024L;
  }

  /** Whether the sandbox has a disk of its own with these limits. */
  public boolean hasDisk() {
    return diskMb != NO_DISK;
  }

  public long diskBytes() {
    return diskMb * 1024L * 1024L;
  }
}
