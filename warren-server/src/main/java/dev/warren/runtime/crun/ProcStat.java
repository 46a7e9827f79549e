package dev.warren.runtime.crun;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** {@code /proc/PID/stat} of a host process, the one parser of it. Stateless. */
final class ProcStat {
  private ProcStat() {}

  /**
   * The fields after the command name, counted from the state (0): ppid 1, process group 2,
   * session 3, ... The name ends at the last ')' since it may hold spaces and parentheses. Empty
   * when the process is gone.
   */
  static Optional<String[]> fields(long hostPid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(hostPid), "stat"));
      return Optional.of(stat.substring(stat.lastIndexOf(')') + 2).split(" "));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** A numeric field (see {@link #fields}), or -1 when the process is gone. */
  static long field(long hostPid, int index) {
    try {
      return fields(hostPid).map(f -> Long.parseLong(f[index])).orElse(-1L);
    } catch (RuntimeException e) {
      return -1;
    }
  }

  /** Whether the process has ended: gone, or a zombie nobody reaped yet. */
  static boolean ended(long hostPid) {
    return fields(hostPid).map(f -> f[0].equals("Z")).orElse(true);
  }
}
