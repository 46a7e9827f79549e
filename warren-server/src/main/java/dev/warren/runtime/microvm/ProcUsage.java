package dev.warren.runtime.microvm;

import dev.warren.runtime.Usage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** A VM's use of the host as /proc shows its QEMU: resident memory and CPU time. Stateless. */
final class ProcUsage {
  private static final long NANOS_PER_TICK = 10_000_000L; // USER_HZ 100, as on every Linux Warren runs on

  private ProcUsage() {}

  static Optional<Usage> of(long pid) {
    Path proc = Path.of("/proc", Long.toString(pid));
    try {
      long rssKb = 0;
      for (String line : Files.readAllLines(proc.resolve("status"))) {
        if (line.startsWith("VmRSS:")) {
          rssKb = Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
      String stat = Files.readString(proc.resolve("stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
      return Optional.of(new Usage(rssKb * 1024, ticks * NANOS_PER_TICK, 1));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }
}
