package dev.warren.runtime.crun;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

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
    return dev.warren.host.LeftoverProcesses.endAll(argv -> isLifecycleCall(argv, crunRoot.toString()), ProcStat::ended);
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
}
