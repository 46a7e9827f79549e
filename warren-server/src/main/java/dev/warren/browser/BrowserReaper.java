package dev.warren.browser;

import dev.warren.host.PeriodicTask;
import dev.warren.sandbox.Sandbox;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes browser sessions idle past their timeout (or pauses them, per their {@code idleAction}),
 * closes paused sessions idle past their {@code pausedTimeout} and sessions older than their
 * maximum lifetime, watches
 * ready sessions that have no {@link BrowserWatch} yet (adopted at start-up), notices Chromium that
 * stopped answering though its process lives (it is started again, with the reason), and stores
 * activity times. A paused session's Chromium is frozen and answers nothing: it is neither probed
 * nor watched until it is resumed. One virtual thread.
 */
final class BrowserReaper implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BrowserReaper.class);

  private final BrowserService service;
  private final Map<String, Integer> misses = new HashMap<>();
  private final PeriodicTask task;

  BrowserReaper(BrowserService service, Duration interval) {
    this.service = service;
    this.task = new PeriodicTask("browser-reaper", interval, log, "browser sweep", this::sweep);
  }

  /** How long a closed session's record is kept. */
  static final Duration CLOSED_RETENTION = Duration.ofHours(24);
  private Instant nextPrune = Instant.EPOCH;

  void start() {
    task.start();
  }

  void sweep() {
    Instant now = Instant.now();
    if (now.isAfter(nextPrune)) {
      // a closed session stays readable (state, reason) for a day, then its record goes
      nextPrune = now.plus(Duration.ofMinutes(10));
      int n = service.repository().pruneClosed(now.minus(CLOSED_RETENTION));
      if (n > 0) {
        log.info("forgot {} browser sessions closed more than {} h ago", n, CLOSED_RETENTION.toHours());
      }
    }
    for (BrowserSession b : service.repository().live()) {
      Instant last = service.lifecycle().activity().getOrDefault(b.id(), b.lastActivityAt());
      BrowserSpec spec = b.spec();
      try {
        boolean paused = b.state() == BrowserState.READY && service.paused(b);
        if (!spec.maxLifetime().isZero() && b.createdAt().plus(spec.maxLifetime()).isBefore(now)) {
          service.close(b.id(), "reached its maximum lifetime of " + spec.maxLifetime().toSeconds() + " s");
        } else if (paused) {
          misses.remove(b.id());
          if (!spec.pausedTimeout().isZero() && last.plus(spec.pausedTimeout()).isBefore(now)) {
            service.close(b.id(), "paused and idle for " + Duration.between(last, now).toSeconds() + " s (pausedTimeoutSeconds "
                + spec.pausedTimeout().toSeconds() + ")");
          }
        } else if (b.state() != BrowserState.STARTING && !spec.idleTimeout().isZero() && last.plus(spec.idleTimeout()).isBefore(now)) {
          // a session is not idle while Chromium starts: a start slower than a short timeout (a busy host) was closed under it
          String why = "idle for " + Duration.between(last, now).toSeconds() + " s (idleTimeoutSeconds " + spec.idleTimeout().toSeconds() + ")";
          if (b.state() == BrowserState.READY && spec.idleAction() == BrowserIdleAction.PAUSE) {
            pauseIfStillIdle(b, why);
          } else {
            service.close(b.id(), why);
          }
        } else if (b.state() == BrowserState.READY) {
          if (!last.equals(b.lastActivityAt())) {
            // only the time: a restart may be storing a new generation at this moment
            service.repository().touch(b.id(), last);
          }
          service.watch().watch(b);
          check(b);
        }
      } catch (RuntimeException e) {
        log.warn("cannot sweep browser {}: {}", b.id(), e.getMessage());
      }
    }
  }

  /** Pauses an idle session unless a call came since the sweep looked (a connection on its way would find it frozen). */
  private void pauseIfStillIdle(BrowserSession b, String why) {
    Instant last = service.lifecycle().activity().getOrDefault(b.id(), b.lastActivityAt());
    if (last.plus(b.spec().idleTimeout()).isBefore(Instant.now())) {
      misses.remove(b.id());
      try {
        service.pause(b.id(), why);
      } catch (dev.warren.error.WarrenException e) {
        if (e.problem() != dev.warren.error.Problem.CONFLICT) {
          throw e;
        }
        // not ready any more, or its sandbox cannot be frozen: an idle browser that cannot pause is closed as before
        BrowserSession now = service.get(b.id());
        if (now.state() == BrowserState.READY && !service.paused(now)) {
          service.close(b.id(), why + "; it could not be paused: " + e.getMessage());
        }
      }
    }
  }

  /** Two probes in a row without an answer mean Chromium is gone. */
  private void check(BrowserSession b) {
    Optional<Sandbox> s = b.sandboxId().map(id -> service.sandboxes().get(id));
    boolean answers = s.isPresent() && service.chromium().version(s.get().id(), Duration.ofSeconds(2)).isPresent();
    if (answers) {
      misses.remove(b.id());
      return;
    }
    int n = misses.merge(b.id(), 1, Integer::sum);
    if (n >= 2) {
      misses.remove(b.id());
      // a relaunch between the probes is not a crash
      Optional<BrowserSession> now = service.repository().find(b.id());
      if (now.isPresent() && now.get().state() == BrowserState.READY && now.get().generation() == b.generation()) {
        Thread.ofVirtual().name("browser-recover-" + b.id()).start(() -> {
          try {
            service.relaunch().recover(b.id(), b.generation(), "Chromium stopped answering on DevTools (it hung, exited or crashed)");
          } catch (RuntimeException e) {
            log.warn("Chromium of {} stopped answering and could not be started again: {}", b.id(), e.getMessage());
          }
        });
      }
    }
  }

  @Override
  public void close() {
    task.close();
  }
}
