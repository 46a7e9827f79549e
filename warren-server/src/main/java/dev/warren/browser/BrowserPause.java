package dev.warren.browser;

import dev.warren.error.Problem;
import dev.warren.error.WarrenException;
import dev.warren.sandbox.Sandbox;
import dev.warren.sandbox.SandboxListener;
import dev.warren.sandbox.SandboxService;
import dev.warren.sandbox.SandboxState;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Paused browsers: a session stays {@code ready} while its sandbox is frozen (Chromium keeps its
 * pages, cookies and memory, uses no CPU, and answers nothing). The sandbox's state is the truth
 * (it survives a controller restart); whatever reaches Chromium resumes it first
 * ({@link #resumeIfPaused}), and a resume by any path (the sandbox's own resume, an exec, a VNC
 * viewer) counts as the session's activity and watches Chromium again. The watch and the reaper
 * ask {@link #paused} before judging a Chromium that does not answer.
 *
 * <p>Thread-safe. The sandbox service keeps the state and its lock; {@link #wake} goes by a set of
 * the sessions known paused (told by the sandbox's pause and resume, and by the start-up), so that
 * every frame a CDP client sends can ask it without a read of the store. A pause is not
 * serialised with a relaunch of Chromium (that would take the relaunch lock and the sandbox's in
 * the opposite order to a sandbox restart); it is refused unless the session is ready.
 */
final class BrowserPause implements SandboxListener {
  private static final Logger log = LoggerFactory.getLogger(BrowserPause.class);

  private final BrowserLifecycle lifecycle;
  private final SandboxService sandboxes;
  private final BrowserWatch watch;
  /** Sessions whose sandbox was paused, as last told; a stale entry is dropped by the next {@link #wake}. */
  private final java.util.Set<String> pausedIds = java.util.concurrent.ConcurrentHashMap.newKeySet();

  BrowserPause(BrowserLifecycle lifecycle, SandboxService sandboxes, BrowserWatch watch) {
    this.lifecycle = lifecycle;
    this.sandboxes = sandboxes;
    this.watch = watch;
  }

  /** Whether the session's sandbox is paused now (its row; false when it has none or it is gone). */
  boolean paused(BrowserSession b) {
    if (b.sandboxId().isEmpty()) {
      return false;
    }
    try {
      return sandboxes.get(b.sandboxId().get()).state() == SandboxState.PAUSED;
    } catch (WarrenException e) {
      return false;
    }
  }

  /** Freezes a ready session's sandbox; a paused one is answered as it is. 409 unless ready. */
  BrowserSession pause(String id, String reason) {
    BrowserSession b = lifecycle.get(id);
    if (b.state() != BrowserState.READY) {
      throw new BrowserException(Problem.CONFLICT, "cannot pause browser session " + id + ": it is " + b.state().wire()
          + b.stateReason().map(r -> " (" + r + ")").orElse("") + "; only a ready browser can be paused", Map.of("state", b.state().wire()));
    }
    sandboxes.pause(b.sandboxId().orElseThrow(() -> BrowserException.notFound(id)), Optional.of(reason));
    return lifecycle.get(id);
  }

  /** Thaws the session's sandbox when it is paused (a no-op otherwise); {@code why} goes with the event. */
  void resumeIfPaused(BrowserSession b, String why) {
    if (paused(b)) {
      sandboxes.resume(b.sandboxId().get(), why);
    }
    pausedIds.remove(b.id());
  }

  /**
   * Activity on session {@code id} (a frame from a CDP client that stayed connected through the
   * pause, a viewer's input): resumes it when it is known paused; costs a set lookup otherwise.
   */
  void wake(String id, String why) {
    if (pausedIds.contains(id)) {
      lifecycle.repository().find(id).ifPresentOrElse(b -> resumeIfPaused(b, why), () -> pausedIds.remove(id));
    }
  }

  /** A session found paused at start-up (its sandbox was frozen again to match its row). */
  void adoptedPaused(String id) {
    pausedIds.add(id);
  }

  @Override
  public void paused(Sandbox sandbox) {
    browserOf(sandbox).ifPresent(b -> {
      // the pause is activity: a paused session's pausedTimeout runs from it, also after a controller restart
      Instant now = Instant.now();
      lifecycle.activity().put(b.id(), now);
      lifecycle.repository().touch(b.id(), now);
      pausedIds.add(b.id());
      lifecycle.events().record("browser.paused", b.id(), sandbox.stateReason().orElse("its sandbox " + sandbox.id() + " was paused"));
    });
  }

  @Override
  public void resumed(Sandbox sandbox) {
    browserOf(sandbox).ifPresent(b -> {
      pausedIds.remove(b.id());
      lifecycle.touch(b.id());
      lifecycle.events().record("browser.resumed", b.id(), "its sandbox " + sandbox.id() + " was resumed");
      // connecting waits for Chromium: not on this thread, which holds the sandbox's lock
      Thread.ofVirtual().name("browser-watch-" + b.id()).start(() -> {
        try {
          lifecycle.repository().find(b.id()).ifPresent(watch::watch);
        } catch (RuntimeException e) {
          log.debug("cannot watch {} after its resume: {}", b.id(), e.getMessage());
        }
      });
    });
  }

  private Optional<BrowserSession> browserOf(Sandbox s) {
    String id = s.spec().labels().get(BrowserService.LABEL);
    if (id == null) {
      return Optional.empty();
    }
    return lifecycle.repository().find(id).filter(b -> b.state().live() && b.sandboxId().equals(Optional.of(s.id())));
  }
}
