package dev.warren.browser;

import dev.warren.error.Problem;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a create with the key of a live session answers: never a crashed session. A ready one is
 * answered when its Chromium answers; a dead one (noticed or not yet) is started again first; one
 * starting is waited for; one that cannot be started again is closed, and the create makes a
 * fresh one. Stateless; called with the key's lock held.
 */
final class BrowserKeyed {
  private static final Logger log = LoggerFactory.getLogger(BrowserKeyed.class);
  /** How long a create waits for a session of its key that is starting (a relaunch, a sandbox restart). */
  static final Duration STARTING_WAIT = BrowserLauncher.READY_WAIT.plusSeconds(10);

  private BrowserKeyed() {}

  /** The session of the key, usable now, or empty when the caller should make a new one. */
  static Optional<BrowserSession> usable(BrowserService service, BrowserSession found) {
    long deadline = System.nanoTime() + STARTING_WAIT.toNanos();
    BrowserSession b = found;
    try {
      while (true) {
        switch (b.state()) {
          case READY -> {
            // the caller's key reaches this browser again: a paused one is resumed, and then answers
            service.resume(b.id(), "resumed by a create with its key " + b.key().orElse("?"));
            if (answers(service, b)) {
              return Optional.of(b);
            }
            b = service.relaunch().recover(b.id(), b.generation(), "Chromium does not answer on DevTools (it exited or crashed)");
            if (b.state() == BrowserState.READY) {
              return Optional.of(b);
            }
          }
          case CRASHED -> b = service.relaunch().recover(b.id(), b.generation(), b.stateReason().orElse("Chromium crashed"));
          case STARTING -> {
            if (System.nanoTime() > deadline) {
              throw new BrowserException(Problem.UNAVAILABLE, "browser session " + b.id() + " is still starting after "
                  + STARTING_WAIT.toSeconds() + " s" + b.stateReason().map(r -> " (" + r + ")").orElse("") + "; try again");
            }
            BrowserService.sleep(100);
            b = service.get(b.id());
          }
          default -> {
            return Optional.empty();
          }
        }
      }
    } catch (BrowserException e) {
      if (e.problem() == Problem.UNAVAILABLE && b.state() == BrowserState.STARTING) {
        throw e;
      }
      // it cannot come back: the key gets a fresh session rather than a broken one
      log.warn("browser session {} of key {} could not be started again, closing it: {}", b.id(), b.key().orElse("?"), e.getMessage());
      service.close(b.id(), "could not be started again after its Chromium ended: " + e.getMessage());
      return Optional.empty();
    }
  }

  /** Whether Chromium of a ready session answers on DevTools (a refused connection is at once; a busy one gets 5 s). */
  private static boolean answers(BrowserService service, BrowserSession b) {
    return b.sandboxId().flatMap(s -> service.chromium().version(s, Duration.ofSeconds(5))).isPresent();
  }
}
