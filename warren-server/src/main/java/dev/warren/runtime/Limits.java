package dev.warren.runtime;

/**
 * cgroup limits of one sandbox.
 *
 * @param memoryMb memory limit in MiB (no swap beyond it)
 * @param pids maximum number of processes and threads
 * @param cpus CPU time as a number of cores (1.5 = one and a half cores)
 */
public record Limits(int memoryMb, int pids, double cpus) {
  public static final int MIN_MEMORY_MB = 16;
  public static final int MAX_MEMORY_MB = 262_144;
  public static final int MIN_PIDS = 8;
  public static final int MAX_PIDS = 1_000_000;
  public static final double MIN_CPUS = 0.01;
  public static final double MAX_CPUS = 1024;

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
  }

  public long memoryBytes() {
    return memoryMb * 1024L * 1024L;
  }
}
