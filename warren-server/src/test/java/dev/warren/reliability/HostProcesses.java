package dev.warren.reliability;

import dev.warren.testing.HostState;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A sandbox's processes seen from the host: which one is its init, which one a session's shell. */
final class HostProcesses {
  private HostProcesses() {}

  /**
   * The host pid of the sandbox's PID 1 (its init), found by its cgroups: a sandbox is answered
   * running once {@code crun start} returns, which may be before its init has exec'd and so before
   * its environment names the sandbox.
   */
  static long initOf(String sandboxId) {
    long deadline = System.nanoTime() + INIT_WAIT.toNanos();
    while (true) {
      List<Long> inCgroups = HostState.processesInCgroupsOf(sandboxId);
      for (long pid : inCgroups) {
        if (nsPid(pid).filter(p -> p == 1).isPresent()) {
          return pid;
        }
      }
      if (System.nanoTime() > deadline) {
        StringBuilder seen = new StringBuilder();
        for (long pid : inCgroups) {
          seen.append("; pid ").append(pid).append(" (ns pid ").append(nsPid(pid).map(String::valueOf).orElse("gone")).append("): ")
              .append(cmdline(pid));
        }
        throw new IllegalStateException("no init found for " + sandboxId + " within " + INIT_WAIT.toSeconds() + " s; in its cgroups: "
            + inCgroups.size() + " processes" + seen);
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while looking for the init of " + sandboxId, e);
      }
    }
  }

  /** How long {@link #initOf} looks (a busy host may take a moment to show a process in its cgroup). */
  private static final java.time.Duration INIT_WAIT = java.time.Duration.ofSeconds(10);

  /** Host pids of processes whose environment has {@code name=value}, with their command lines. */
  static List<Long> marked(String name, String value) {
    byte[] needle = (name + "=" + value + "\0").getBytes(StandardCharsets.UTF_8);
    return HostState.processes(proc -> contains(Files.readAllBytes(proc.resolve("environ")), needle));
  }

  /** Host pids of crun create, start and delete calls on {@code crunRoot} (an instance's crun state directory). */
  static List<Long> lifecycleCalls(String crunRoot) {
    return HostState.processes(proc -> {
      String[] argv = new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8).split("\0");
      for (int i = 0; i + 2 < argv.length; i++) {
        if (argv[i].equals("--root") && argv[i + 1].equals(crunRoot) && List.of("create", "start", "delete").contains(argv[i + 2])) {
          return true;
        }
      }
      return false;
    });
  }

  static String cmdline(long pid) {
    try {
      return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), StandardCharsets.UTF_8).replace('\0', ' ').strip();
    } catch (IOException e) {
      return "";
    }
  }

  static Optional<Long> nsPid(long pid) {
    try {
      for (String l : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (l.startsWith("NSpid:")) {
          String[] f = l.substring(6).strip().split("\\s+");
          return Optional.of(Long.parseLong(f[f.length - 1]));
        }
      }
    } catch (IOException | NumberFormatException e) {
      // exited
    }
    return Optional.empty();
  }

  /** The parent's pid, or 0 when the process is gone. */
  static long parent(long pid) {
    try {
      for (String l : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (l.startsWith("PPid:")) {
          return Long.parseLong(l.substring(5).strip());
        }
      }
    } catch (IOException | NumberFormatException e) {
      // exited
    }
    return 0;
  }

  static boolean alive(long pid) {
    return dev.warren.testing.PausingCrun.alive(pid);
  }

  private static boolean contains(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      if (i > 0 && hay[i - 1] != 0) {
        continue;
      }
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }
}
