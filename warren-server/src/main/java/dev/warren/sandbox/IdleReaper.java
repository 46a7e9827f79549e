package dev.warren.sandbox;

import dev.warren.host.PeriodicTask;
import dev.warren.runtime.Usage;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops sandboxes idle past their timeout. Activity is any API call on the sandbox and any CPU
 * its processes use beyond a trickle (so a long build is never stopped mid-task). Also persists
 * activity times so a restarted controller keeps counting from the right moment. One virtual
 * thread; {@code close()} stops it.
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
    for (Sandbox s : running()) {
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
    for (Sandbox s : running()) {
      Duration timeout = s.spec().idleTimeout();
      if (timeout.isZero()) {
        continue;
      }
      Instant last = snapshot.getOrDefault(s.id(), s.lastActivityAt());
      if (last.plus(timeout).isBefore(now)) {
        String reason = "idle for " + Duration.between(last, now).toSeconds() + " s (idleTimeoutSeconds " + timeout.toSeconds() + ")";
        try {
          lifecycle.locked(s.id(), () -> {
            Sandbox current = lifecycle.repository().find(s.id()).orElseThrow(() -> SandboxException.notFound(s.id()));
            Instant latest = activity.getOrDefault(s.id(), current.lastActivityAt());
            if (current.state() == SandboxState.RUNNING && latest.plus(timeout).isBefore(Instant.now())) {
              lifecycle.stopLocked(current, "idle-stopped", Optional.of(reason));
            }
            return null;
          });
          lastCpu.remove(s.id());
        } catch (RuntimeException e) {
          log.warn("cannot stop idle sandbox {}: {}", s.id(), e.getMessage());
        }
      }
    }
    lastCpu.keySet().retainAll(activity.keySet());
  }

  private java.util.List<Sandbox> running() {
    return lifecycle.repository().list(Map.of(), Optional.of(SandboxState.RUNNING));
  }

  @Override
  public void close() {
    task.close();
  }
}
