package dev.warren.sandbox;

import dev.warren.host.PeriodicTask;
import dev.warren.runtime.Usage;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices running sandboxes whose processes ended without Warren stopping them (killed through the
 * runtime's own tool, kill -9 of their init, the host's OOM killer) and marks them {@code failed} with the reason,
 * releasing what they held on the host. A sandbox's init is PID 1 of its PID namespace, so when it
 * dies every process of the sandbox dies and its cgroup empties: that is the signal, read from the
 * cgroup every {@link #INTERVAL} without starting any process. Also settles sandboxes left in a
 * transient state by an operation that failed while the store was unavailable (see
 * {@link SandboxLifecycle#settleStranded}): every operation holds the sandbox's lock while its row is
 * transient, so a transient row whose lock is free has nobody left to finish it. One virtual thread.
 */
final class SandboxWatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SandboxWatcher.class);
  static final Duration INTERVAL = Duration.ofSeconds(2);
  private static final java.util.Set<SandboxState> TRANSIENT = java.util.EnumSet.of(SandboxState.CREATING, SandboxState.STARTING,
      SandboxState.STOPPING, SandboxState.DELETING);

  private final SandboxLifecycle lifecycle;
  private final PeriodicTask task;

  SandboxWatcher(SandboxLifecycle lifecycle) {
    this.lifecycle = lifecycle;
    this.task = new PeriodicTask("sandbox-watcher", INTERVAL, log, "sandbox watch", this::sweep);
  }

  void start() {
    task.start();
  }

  void sweep() {
    settleStranded();
    // a paused sandbox's frozen processes are still in its cgroup: one whose cgroup empties died like a running one
    java.util.List<Sandbox> live = new java.util.ArrayList<>(lifecycle.repository().list(Map.of(), Optional.of(SandboxState.RUNNING)));
    live.addAll(lifecycle.repository().list(Map.of(), Optional.of(SandboxState.PAUSED)));
    for (Sandbox s : live) {
      if (task.closed()) {
        return;
      }
      // a restart's reconciliation settles it (under its lock): no need to wait for it here
      if (lifecycle.isSettling(s.id()) || !gone(s.id())) {
        continue;
      }
      try {
        lifecycle.locked(s.id(), () -> {
          // looked again under the lock: a stop or restart may have happened meanwhile
          Optional<Sandbox> now = lifecycle.repository().find(s.id());
          if (now.isPresent() && now.get().state() == s.state() && now.get().generation() == s.generation()
              && gone(s.id()) && lifecycle.runtime().running(s.id()).isEmpty()) {
            lifecycle.markDied(now.get(), "its processes ended without Warren stopping it (its init was killed from outside, "
                + "e.g. by `crun kill` or kill -9, or by the host's OOM killer)");
          }
          return null;
        });
      } catch (RuntimeException e) {
        log.warn("cannot record that sandbox {} died: {}", s.id(), e.getMessage());
      }
    }
  }

  private void settleStranded() {
    for (Sandbox s : lifecycle.repository().all()) {
      if (task.closed()) {
        return;
      }
      if (!TRANSIENT.contains(s.state())) {
        continue;
      }
      try {
        lifecycle.tryLocked(s.id(), () -> lifecycle.repository().find(s.id()).filter(now -> TRANSIENT.contains(now.state()))
            .ifPresent(now -> {
              log.warn("settling sandbox {}, left {} by an operation that could not record its outcome", now.id(), now.state().wire());
              lifecycle.settleStranded(now);
            }));
      } catch (RuntimeException e) {
        log.warn("cannot settle sandbox {} ({}): {}", s.id(), s.state().wire(), e.getMessage());
      }
    }
  }

  /** No cgroup, or a cgroup without a process: nothing of the sandbox runs. */
  private boolean gone(String id) {
    Optional<Usage> u = lifecycle.runtime().usage(id);
    return u.isEmpty() || u.get().processes() == 0;
  }

  @Override
  public void close() {
    task.close();
  }
}
