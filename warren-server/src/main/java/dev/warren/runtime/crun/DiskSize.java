package dev.warren.runtime.crun;

import dev.warren.runtime.Limits;

/** The size of a sandbox's disk: MiB and inodes (a sandbox's {@code limits.diskMb} and {@code diskInodes}). */
record DiskSize(int mb, long inodes) {
  static DiskSize of(Limits limits) {
    return new DiskSize(limits.diskMb(), limits.diskInodes());
  }

  long bytes() {
    return mb * (1L << 20);
  }
}
