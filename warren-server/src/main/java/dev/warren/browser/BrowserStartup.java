package dev.warren.browser;

import dev.warren.error.Problem;
import dev.warren.error.WarrenException;
import dev.warren.sandbox.Sandbox;
import dev.warren.sandbox.SandboxState;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a controller start does with the browser sessions it finds in the store: a session whose
 * create was interrupted (starting, never ready: nobody was answered) is undone like an
 * interrupted sandbox create; sessions whose sandbox runs are adopted (one that was starting
 * again is ready if Chromium answers, else crashed), a crashed session whose sandbox is stopped
 * stays crashed (starting the sandbox brings it back), a closing one is closed, the rest are
 * closed; pooled browsers that no longer answer are removed. A session closed here takes its
 * sandbox with it, and a browser sandbox whose session is not live is deleted: both in the
 * background, so that the start does not wait for them.
 */
final class BrowserStartup {
  private BrowserStartup() {}

  /**
   * For a running browser sandbox adopted at start-up: the DevTools forwarder (socat) an older
   * Warren ran beside Chromium listens on the sandbox's address, open to the host's network; it is
   * ended. Chromium goes on (its DevTools is on the sandbox's loopback, where the controller now
   * connects), and runs as its own user from its next relaunch.
   */
  static void closeOldForwarder(BrowserService service, Sandbox s) {
    if (s.spec().labels().containsKey(BrowserService.LABEL)) {
      var r = service.sandboxes().exec(s.id(), new dev.warren.runtime.ExecSpec(java.util.List.of("pkill", "-x", "socat"), java.util.Map.of(),
          Optional.empty(), new byte[0], Duration.ofSeconds(10), 4096));
      if (r.exitCode() == 0) {
        org.slf4j.LoggerFactory.getLogger(BrowserStartup.class).info("ended the DevTools forwarder an older Warren left in {}", s.id());
      }
    }
  }

  /** Returns the ids of the sessions that live on. */
  static Set<String> reconcile(BrowserService service) {
    BrowserRepository repo = service.repository();
    Chromium chromium = service.chromium();
    Set<String> live = new HashSet<>();
    for (BrowserSession b : repo.live()) {
      try {
        if (b.state() == BrowserState.STARTING && b.startedAt().isEmpty()) {
          close(service, b, "its create was interrupted by a controller restart; undone");
          // nobody was answered: a retry with the create's Idempotency-Key makes it anew
          repo.forgetIdempotencyKeys(b.id());
          continue;
        }
        if (b.state() == BrowserState.CLOSING) {
          String why = b.stateReason().orElse("closing when the controller stopped");
          if (b.profileWriter()) {
            // its profile is saved before the start releases the profiles nobody holds
            service.close(b.id(), why);
          } else {
            // nothing to save: closed (Chromium stopped, its sandbox deleted) in the background, like the undone ones
            inBackground("browser-close", "cannot close browser session " + b.id(), () -> service.close(b.id(), why));
          }
          continue;
        }
        Sandbox s = service.sandboxes().get(b.sandboxId().orElseThrow(() -> BrowserException.notFound(b.id())));
        if (s.state() == SandboxState.STOPPED && b.state() == BrowserState.CRASHED) {
          live.add(b.id());
          continue;
        }
        if (s.state() == SandboxState.PAUSED && b.state() == BrowserState.READY) {
          // a paused browser stays paused across a restart (its sandbox's freezer matches its row); the next connection resumes it
          service.lifecycle().activity().put(b.id(), b.lastActivityAt());
          service.pauses().adoptedPaused(b.id());
          live.add(b.id());
          continue;
        }
        if (s.state() == SandboxState.PAUSED) {
          // paused while Chromium started again (or crashed): it is judged running
          s = service.sandboxes().resume(s.id(), "resumed at start-up: browser session " + b.id() + " is " + b.state().wire());
        }
        if (s.state() != SandboxState.RUNNING) {
          throw new BrowserException(Problem.CONFLICT, "its sandbox is " + s.state().wire());
        }
        if (b.state() == BrowserState.STARTING) {
          // the controller stopped while Chromium was starting: it made it, or it did not
          repo.update(chromium.version(s.id(), Duration.ofSeconds(2)).isPresent() ? b.readyNow()
              : b.with(BrowserState.CRASHED, Optional.of("Chromium was starting when the controller stopped; restart it")));
        }
        service.lifecycle().activity().put(b.id(), b.lastActivityAt());
        live.add(b.id());
      } catch (WarrenException e) {
        close(service, b, "its sandbox was gone when the controller started (" + e.getMessage() + ")");
      }
    }
    for (BrowserSession p : repo.pooled()) {
      boolean usable = p.sandboxId().map(sid -> {
        try {
          Sandbox s = service.sandboxes().get(sid);
          return s.state() == SandboxState.RUNNING && chromium.version(s.id(), Duration.ofSeconds(2)).isPresent();
        } catch (WarrenException e) {
          return false;
        }
      }).orElse(false);
      if (!usable) {
        close(service, p, "a pooled browser that no longer answered at start-up");
      }
    }
    deleteSandboxesWithoutSession(service);
    return live;
  }

  /** Closes a session without saving its profile, and deletes its sandbox whatever state it is in. */
  private static void close(BrowserService service, BrowserSession b, String why) {
    b.sandboxId().ifPresent(sid -> deleteSandbox(service, sid));
    service.repository().update(b.with(BrowserState.CLOSED, Optional.of(why)));
    if (b.profileWriter()) {
      service.profilesStore().unlock(b.spec().profile().orElseThrow(), b.id());
    }
  }

  /** Sandboxes made for a browser session that is closed or was never recorded (a create undone midway). */
  private static void deleteSandboxesWithoutSession(BrowserService service) {
    // as stored: one that a restart's reconciliation still settles is deleted once it is at rest (see deleteSandbox)
    for (Sandbox s : service.sandboxes().listAsStored(Map.of())) {
      String owner = s.spec().labels().get(BrowserService.LABEL);
      if (owner == null) {
        continue;
      }
      boolean kept = service.repository().find(owner).map(b -> b.state().live() || b.state() == BrowserState.POOLED).orElse(false);
      if (!kept) {
        deleteSandbox(service, s.id());
      }
    }
  }

  /**
   * Deletes the sandbox in the background: the controller's start (and its {@code /readyz}) does
   * not wait for a Chromium that nobody uses to be stopped and its sandbox taken apart (a few
   * hundred milliseconds each), and one whose reconciliation is still settling waits for it there.
   * A controller stopped before it is done deletes it at its next start: the session is closed,
   * so its sandbox is one {@link #deleteSandboxesWithoutSession} finds.
   */
  private static void deleteSandbox(BrowserService service, String sandboxId) {
    inBackground("browser-sandbox-delete", "cannot delete the sandbox " + sandboxId + " of a closed browser session",
        () -> deleteNow(service, sandboxId));
  }

  /**
   * Runs {@code work} on a virtual thread of its own. What it throws is logged after {@code failure}:
   * the controller stopping meanwhile (its store or runtime closed) leaves the session closing, or
   * its sandbox without a live session, which the next start finishes.
   */
  private static void inBackground(String name, String failure, Runnable work) {
    Thread.ofVirtual().name(name).start(() -> {
      try {
        work.run();
      } catch (RuntimeException e) {
        org.slf4j.LoggerFactory.getLogger(BrowserStartup.class).warn("{}: {}", failure, e.toString());
      }
    });
  }

  private static void deleteNow(BrowserService service, String sandboxId) {
    try {
      service.sandboxes().delete(sandboxId);
    } catch (WarrenException e) {
      if (e.problem() != Problem.NOT_FOUND) {
        service.events().record("browser.sandbox-not-deleted", sandboxId, e.getMessage());
      }
    }
  }
}
