package dev.warren.runtime.crun;

import dev.warren.host.Syscalls;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * crun calls a previous controller of this instance left running when it was killed: the child
 * processes of a controller outlive it. A {@code crun create} still at work when the next
 * controller reconciles would finish afterwards and make a container for a sandbox the reconciler
 * has undone (or, killed later on, leave its init behind in the sandbox's cgroups with no record
 * in crun). So before reconciling, the calls that change a container's life ({@code create},
 * {@code start}, {@code delete}, {@code kill}) under this instance's crun root are ended; what they
 * made is then cleaned up like any half-done step. {@code crun exec} calls are left alone: they are
 * commands that run on in their sandboxes.
 */
final class InFlightCalls {
  private static final Set<String> LIFECYCLE = Set.of("create", "start", "delete", "kill");

  private InFlightCalls() {}

  /** SIGKILLs the lifecycle calls on {@code crunRoot} and waits for them to end; returns them, described. */
  static List<String> endAll(Path crunRoot) {
    List<String> ended = new ArrayList<>();
    List<Long> pids = new ArrayList<>();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path p : procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).toList()) {
        long pid = Long.parseLong(p.getFileName().toString());
        String[] argv = argv(p);
        if (pid != ProcessHandle.current().pid() && isLifecycleCall(argv, crunRoot.toString())) {
          Syscalls.kill(pid, 9);
          pids.add(pid);
          ended.add(pid + " (" + String.join(" ", Arrays.copyOfRange(argv, 0, Math.min(argv.length, 6))) + " …)");
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot list /proc: " + e.getMessage(), e);
    }
    for (long pid : pids) {
      for (int i = 0; i < 100 && !ProcStat.ended(pid); i++) {
        sleep(10);
      }
    }
    return ended;
  }

  /** {@code … --root <crunRoot> <lifecycle verb> …}: crun itself, or a wrapper given the same arguments. */
  static boolean isLifecycleCall(String[] argv, String crunRoot) {
    for (int i = 0; i + 2 < argv.length; i++) {
      if (argv[i].equals("--root") && argv[i + 1].equals(crunRoot) && LIFECYCLE.contains(argv[i + 2])) {
        return true;
      }
    }
    return false;
  }

  private static String[] argv(Path proc) {
    try {
      String s = new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8);
      return s.isEmpty() ? new String[0] : s.split("\0");
    } catch (IOException e) {
      return new String[0];
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
