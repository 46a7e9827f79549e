package dev.warren.sandbox;

import dev.warren.host.PeriodicTask;
import dev.warren.runtime.Usage;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops or pauses sandboxes idle past their timeout (per sandbox {@code idleAction}), and stops
 * paused sandboxes idle past their {@code pausedTimeout}. Activity is any API call on the sandbox
 * and any CPU its processes use beyond a trickle (so a long build is never stopped mid-task); a
 * pause counts as activity, so a paused sandbox's second timeout runs from its pause or its last
 * call, whichever is later. Also persists activity times so a restarted controller keeps counting
 * from the right moment. One virtual thread; {@code close()} stops it.
 */
final class IdleReaper implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(IdleReaper.class);
  /** CPU use above this share of one core during a check interval counts as activity. */
  static final double BUSY_SHARE = 0.02;

  private final SandboxLifecycle lifecycle;
  private final Duration interval;
  private final Map<String, Long> lastCpu = new HashMap<>();
  private final PeriodicTask task;

  IdleReaper(SandboxLifecycle lifecycle, Duration interval) {
    this.lifecycle = lifecycle;
    this.interval = interval;
    this.task = new PeriodicTask("idle-reaper", interval, log, "idle sweep", () -> sweep(Instant.now()));
  }

  void start() {
    task.start();
  }

  void sweep(Instant now) {
    Map<String, Instant> activity = lifecycle.activity();
    for (Sandbox s : in(SandboxState.RUNNING)) {
      Optional<Usage> usage = lifecycle.runtime().usage(s.id());
      if (usage.isPresent()) {
        Long before = lastCpu.put(s.id(), usage.get().cpuNanos());
        if (before != null && usage.get().cpuNanos() - before > interval.toNanos() * BUSY_SHARE) {
          activity.put(s.id(), now);
        }
      }
    }
    Map<String, Instant> snapshot = new HashMap<>(activity);
    try {
      lifecycle.repository().touch(snapshot);
    } catch (RuntimeException e) {
      log.warn("cannot store activity times: {}", e.getMessage());
    }
    for (Sandbox s : in(SandboxState.RUNNING)) {
      Duration timeout = s.spec().idleTimeout();
      boolean pause = s.spec().idleAction() == IdleAction.PAUSE;
      idle(s, SandboxState.RUNNING, timeout, snapshot, now, current -> {
        String reason = "idle for " + Duration.between(last(current, activity), Instant.now()).toSeconds() + " s (idleTimeoutSeconds "
            + timeout.toSeconds() + ")";
        if (pause) {
          lifecycle.pauseLocked(current, Optional.of(reason));
        } else {
          lifecycle.stopLocked(current, "idle-stopped", Optional.of(reason));
        }
      });
    }
    for (Sandbox s : in(SandboxState.PAUSED)) {
      Duration timeout = s.spec().pausedTimeout();
      idle(s, SandboxState.PAUSED, timeout, snapshot, now, current -> lifecycle.stopLocked(current, "idle-stopped", Optional.of(
          "paused and idle for " + Duration.between(last(current, activity), Instant.now()).toSeconds() + " s (pausedTimeoutSeconds "
              + timeout.toSeconds() + ")")));
    }
    lastCpu.keySet().retainAll(activity.keySet());
  }

  /**
   * Applies {@code action} to {@code s} when it has been idle past {@code timeout} (zero: never),
   * looked at again under its lock: a call may have come, or its state changed, meanwhile.
   */
  private void idle(Sandbox s, SandboxState state, Duration timeout, Map<String, Instant> snapshot, Instant now,
      java.util.function.Consumer<Sandbox> action) {
    if (timeout.isZero() || !snapshot.getOrDefault(s.id(), s.lastActivityAt()).plus(timeout).isBefore(now)) {
      return;
    }
    try {
      lifecycle.locked(s.id(), () -> {
        Sandbox current = lifecycle.repository().find(s.id()).orElseThrow(() -> SandboxException.notFound(s.id()));
        if (current.state() == state && last(current, lifecycle.activity()).plus(timeout).isBefore(Instant.now())) {
          action.accept(current);
        }
        return null;
      });
      lastCpu.remove(s.id());
    } catch (RuntimeException e) {
      log.warn("cannot {} idle sandbox {}: {}", state == SandboxState.RUNNING ? s.spec().idleAction().wire() : "stop", s.id(), e.getMessage());
    }
  }

  private static Instant last(Sandbox s, Map<String, Instant> activity) {
    return activity.getOrDefault(s.id(), s.lastActivityAt());
  }

  /** The sandboxes in {@code state} that are somebody's: the warm pool's are never idle. */
  private List<Sandbox> in(SandboxState state) {
    return lifecycle.repository().listOwned(Map.of(), Optional.of(state));
  }

  @Override
  public void close() {
    task.close();
  }
}
