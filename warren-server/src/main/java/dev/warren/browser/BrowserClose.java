package dev.warren.browser;

import dev.warren.error.Problem;
import dev.warren.error.WarrenException;
import dev.warren.sandbox.SandboxService;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closing a session: stored {@code closing} (its CDP clients and watch end), its profile saved
 * when it writes one, its sandbox removed, then stored {@code closed}. Idempotent; stateless and
 * thread-safe (a close racing another finds the session closing or closed).
 */
final class BrowserClose {
  private static final Logger log = LoggerFactory.getLogger(BrowserClose.class);

  private final BrowserLifecycle lifecycle;
  private final BrowserLauncher launcher;
  private final SandboxService sandboxes;
  private final BrowserPause pause;

  BrowserClose(BrowserLifecycle lifecycle, BrowserLauncher launcher, SandboxService sandboxes, BrowserPause pause) {
    this.lifecycle = lifecycle;
    this.pause = pause;
    this.launcher = launcher;
    this.sandboxes = sandboxes;
  }

  void close(BrowserSession b, String reason) {
    String id = b.id();
    if (!b.state().live() && b.state() != BrowserState.CLOSING) {
      return;
    }
    lifecycle.store(b.with(BrowserState.CLOSING, Optional.of(reason)), b, reason);
    try {
      if (b.profileWriter() && b.sandboxId().isPresent()) {
        // a frozen Chromium cannot exit cleanly, which writes its cookies and storage
        pause.resumeIfPaused(b, "resumed to save the profile of browser session " + id + " as it closes");
        launcher.saveProfile(b);
      }
    } catch (RuntimeException e) {
      log.warn("cannot save profile {} of {}: {}", b.spec().profile().orElse("?"), id, e.getMessage());
      lifecycle.events().record("browser.profile-not-saved", id, e.getMessage());
    } finally {
      b.sandboxId().ifPresent(s -> {
        try {
          sandboxes.delete(s);
        } catch (WarrenException e) {
          if (e.problem() != Problem.NOT_FOUND) {
            log.warn("cannot delete sandbox {} of browser {}: {}", s, id, e.getMessage());
          }
        }
      });
      lifecycle.released(b);
      BrowserSession closed = b.with(BrowserState.CLOSED, Optional.of(reason));
      lifecycle.repository().update(closed);
      lifecycle.events().record("browser.closed", id, reason);
    }
  }
}
