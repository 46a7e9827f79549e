package dev.warren.shell;

import dev.warren.host.PeriodicTask;
import dev.warren.runtime.SandboxRuntime;
import java.time.Duration;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices session shells that ended without Warren ending them (kill -9 from outside or from a
 * command of another session): the session is ended with the reason, its commands in flight
 * become {@code lost}, and what its commands left running is killed. A shell that runs {@code exit}
 * keeps its pid (it execs its successor), so a vanished pid always means the shell is gone. Leaves
 * sandboxes that died as a whole to the sandbox watcher, which ends their sessions with the
 * sandbox's reason: a shell is declared gone only when it was missing at two sweeps in a row while
 * its sandbox's init lived. One virtual thread, checking every {@link #INTERVAL}.
 */
final class ShellWatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ShellWatcher.class);
  static final Duration INTERVAL = Duration.ofSeconds(2);

  private final ShellService shells;
  private final SandboxRuntime runtime;
  private final Map<String, LiveSession> live;
  /** Sessions whose shell was missing at the last sweep, with the pid that was missing. */
  private final Map<String, Long> suspects = new java.util.HashMap<>();
  private final PeriodicTask task;

  ShellWatcher(ShellService shells, SandboxRuntime runtime, Map<String, LiveSession> live) {
    this.shells = shells;
    this.runtime = runtime;
    this.live = live;
    this.task = new PeriodicTask("shell-watcher", INTERVAL, log, "shell watch", this::sweep);
  }

  void start() {
    task.start();
  }

  void sweep() {
    suspects.keySet().retainAll(live.keySet());
    for (LiveSession ls : live.values()) {
      if (task.closed()) {
        return;
      }
      Long pid = ls.ready.getNow(null);
      if (pid == null || ls.closed() || runtime.guest(ls.sandboxId).signalPid(pid, 0)) {
        suspects.remove(ls.id);
        continue;
      }
      // seen gone twice, a sweep apart, with the sandbox's init alive and the sandbox running: when the
      // whole sandbox died instead, the sandbox watcher ends the session with the sandbox's reason meanwhile
      if (!pid.equals(suspects.put(ls.id, pid)) || !sandboxRuns(ls.sandboxId) || live.get(ls.id) != ls || ls.closed()) {
        continue;
      }
      suspects.remove(ls.id);
      try {
        shells.shellGone(ls, pid);
      } catch (RuntimeException e) {
        log.warn("cannot end session {} whose shell is gone: {}", ls.id, e.getMessage());
      }
    }
  }

  private boolean sandboxRuns(String sandboxId) {
    return runtime.guest(sandboxId).signalPid(1, 0) && shells.sandboxRunning(sandboxId);
  }

  @Override
  public void close() {
    task.close();
  }
}
