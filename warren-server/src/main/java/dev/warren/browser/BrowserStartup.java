package dev.warren.browser;

import dev.warren.error.Problem;
import dev.warren.error.WarrenException;
import dev.warren.sandbox.Sandbox;
import dev.warren.sandbox.SandboxState;
import java.time.Duration;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * What a controller start does with the browser sessions it finds in the store: sessions whose
 * sandbox runs are adopted (one that was starting again is ready if Chromium answers, else
 * crashed), a crashed session whose sandbox is stopped stays crashed (starting the sandbox brings
 * it back), a closing one is closed, the rest are closed; pooled browsers that no longer answer are
 * removed.
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
        Sandbox s = service.sandboxes().get(b.sandboxId().orElseThrow(() -> BrowserException.notFound(b.id())));
        if (s.state() == SandboxState.STOPPED && b.state() == BrowserState.CRASHED) {
          live.add(b.id());
          continue;
        }
        if (s.state() != SandboxState.RUNNING) {
          throw new BrowserException(Problem.CONFLICT, "its sandbox is " + s.state().wire());
        }
        if (b.state() == BrowserState.CLOSING) {
          service.close(b.id(), b.stateReason().orElse("closing when the controller stopped"));
          continue;
        }
        if (b.state() == BrowserState.STARTING) {
          // the controller stopped while Chromium was starting: it made it, or it did not
          repo.update(chromium.version(s.id(), Duration.ofSeconds(2)).isPresent() ? b.readyNow()
              : b.with(BrowserState.CRASHED, Optional.of("Chromium was starting when the controller stopped; restart it")));
        }
        service.activity().put(b.id(), b.lastActivityAt());
        live.add(b.id());
      } catch (WarrenException e) {
        repo.update(b.with(BrowserState.CLOSED, Optional.of("its sandbox was gone when the controller started (" + e.getMessage() + ")")));
        if (b.profileWriter()) {
          service.profilesStore().unlock(b.spec().profile().orElseThrow(), b.id());
        }
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
        repo.update(p.with(BrowserState.CLOSED, Optional.of("a pooled browser that no longer answered at start-up")));
        p.sandboxId().ifPresent(sid -> {
          try {
            service.sandboxes().delete(sid);
          } catch (WarrenException ignored) {
            // already gone
          }
        });
      }
    }
    return live;
  }
}
