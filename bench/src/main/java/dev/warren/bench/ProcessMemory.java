package dev.warren.bench;

import dev.warren.host.Instance;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Memory of processes as the kernel accounts it per process ({@code /proc/<pid>/smaps_rollup}),
 * the processes of a sandbox (its cgroup's {@code cgroup.procs}, as the runtime names cgroups:
 * {@code warren/<instance>/<sandbox id>}), and which of them is Chromium's browser process.
 */
final class ProcessMemory {
  private static final Path CGROUPS = Path.of("/sys/fs/cgroup");
  private static final boolean V2 = Files.exists(CGROUPS.resolve("cgroup.controllers"));

  private ProcessMemory() {}

  /**
   * Summed figures of some processes, in bytes.
   *
   * @param pss proportional set size: each shared page divided by the number of processes mapping it
   * @param uss private pages only (Private_Clean + Private_Dirty)
   * @param rss resident pages, shared ones counted in full
   */
  record Rollup(int processes, long pss, long uss, long rss) {
    static final Rollup NONE = new Rollup(0, 0, 0, 0);

    Rollup plus(Rollup o) {
      return new Rollup(processes + o.processes, pss + o.pss, uss + o.uss, rss + o.rss);
    }
  }

  /** One process's figures; empty when it has exited (or is a kernel thread). */
  static Optional<Rollup> of(long pid) {
    long pss = -1;
    long uss = 0;
    long rss = 0;
    try {
      for (String l : Files.readAllLines(Path.of("/proc", Long.toString(pid), "smaps_rollup"))) {
        String[] f = l.split("\\s+");
        if (f.length < 2) {
          continue;
        }
        switch (f[0]) {
          case "Pss:" -> pss = Long.parseLong(f[1]) * 1024;
          case "Rss:" -> rss = Long.parseLong(f[1]) * 1024;
          case "Private_Clean:", "Private_Dirty:" -> uss += Long.parseLong(f[1]) * 1024;
          default -> { }
        }
      }
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
    return pss < 0 ? Optional.empty() : Optional.of(new Rollup(1, pss, uss, rss));
  }

  static Rollup sum(Collection<Long> pids) {
    Rollup total = Rollup.NONE;
    for (long pid : pids) {
      total = total.plus(of(pid).orElse(Rollup.NONE));
    }
    return total;
  }

  /** Host PIDs of every process in a sandbox (from the pids controller on v1, the unified tree on v2). */
  static List<Long> sandboxPids(Instance instance, String sandboxId) {
    Path procs = (V2 ? CGROUPS : CGROUPS.resolve("pids")).resolve("warren").resolve(instance.name()).resolve(sandboxId).resolve("cgroup.procs");
    List<Long> out = new ArrayList<>();
    try {
      for (String l : Files.readAllLines(procs)) {
        if (!l.isBlank()) {
          out.add(Long.parseLong(l.strip()));
        }
      }
    } catch (IOException | NumberFormatException e) {
      // the sandbox is gone
    }
    return out;
  }

  /** A process's argv; empty when it has exited. */
  static List<String> argv(long pid) {
    try {
      String raw = new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), StandardCharsets.UTF_8);
      return raw.isEmpty() ? List.of() : List.of(raw.split("\0"));
    } catch (IOException e) {
      return List.of();
    }
  }

  /**
   * A process's arguments split on spaces as well: Chromium's helpers rewrite their command line
   * into one space-separated string.
   */
  private static List<String> words(long pid) {
    return argv(pid).stream().flatMap(s -> java.util.Arrays.stream(s.split(" "))).toList();
  }

  /** Whether the process runs one of Chromium's binaries (the browser, a helper, the crash handler). */
  static boolean isChromium(long pid) {
    List<String> w = words(pid);
    return !w.isEmpty() && (w.getFirst().endsWith("/chromium") || w.getFirst().contains("/chromium/"));
  }

  /** Chromium's browser process among {@code pids}: its binary without a {@code --type=} flag. */
  static List<Long> browserProcesses(Collection<Long> pids) {
    List<Long> out = new ArrayList<>();
    for (long pid : pids) {
      List<String> w = words(pid);
      if (!w.isEmpty() && w.getFirst().endsWith("/chromium") && w.stream().noneMatch(s -> s.startsWith("--type="))) {
        out.add(pid);
      }
    }
    return out;
  }

  /** Whether the process has exited (gone, or a zombie waiting to be reaped). */
  static boolean ended(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      int close = stat.lastIndexOf(')');
      return close < 0 || stat.length() < close + 3 || stat.charAt(close + 2) == 'Z' || stat.charAt(close + 2) == 'X';
    } catch (IOException e) {
      return true;
    }
  }

  /** The value of {@code --name=value} in a process's argv. */
  static Optional<String> flag(long pid, String name) {
    String prefix = "--" + name + "=";
    return argv(pid).stream().filter(s -> s.startsWith(prefix)).map(s -> s.substring(prefix.length())).findFirst();
  }
}
