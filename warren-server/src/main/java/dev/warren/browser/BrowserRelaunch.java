package dev.warren.browser;

import dev.warren.error.Problem;
import dev.warren.sandbox.Sandbox;
import dev.warren.sandbox.SandboxListener;
import dev.warren.sandbox.SandboxService;
import dev.warren.sandbox.SandboxState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * Starts Chromium again in place, as a new generation of the session: after a restart through the
 * API, when its sandbox restarts (or starts again after a stop), and after saving its profile
 * while the session goes on. Each step is stored before listeners hear of it. One relaunch per
 * session at a time (a lock per session, held by the API request or the sandbox listener's thread
 * doing it). Reaches the sessions through {@link BrowserLifecycle} and Chromium through
 * {@link BrowserLauncher}, never through {@link BrowserService}.
 */
final class BrowserRelaunch implements SandboxListener {
  private static final Logger log = LoggerFactory.getLogger(BrowserRelaunch.class);
  private static final Duration LOCK_WAIT = Duration.ofSeconds(60);

  private final BrowserLifecycle lifecycle;
  private final BrowserLauncher launcher;
  private final Chromium chromium;
  private final SandboxService sandboxes;
  /** One relaunch or reopen of a session at a time; dropped once nobody holds or waits on it. */
  private final dev.warren.host.NamedLocks locks = new dev.warren.host.NamedLocks(LOCK_WAIT);

  BrowserRelaunch(BrowserLifecycle lifecycle, BrowserLauncher launcher, Chromium chromium, SandboxService sandboxes) {
    this.lifecycle = lifecycle;
    this.launcher = launcher;
    this.chromium = chromium;
    this.sandboxes = sandboxes;
  }

  /** POST /v1/browsers/{id}/restart: Chromium again, same profile directory, next generation. */
  BrowserSession restart(String id) {
    return locked(id, () -> {
      BrowserSession b = lifecycle.get(id);
      if (!b.state().live()) {
        throw new BrowserException(Problem.CONFLICT, "browser session " + id + " is " + b.state().wire(), Map.of("state", b.state().wire()));
      }
      Sandbox s = runningSandbox(b);
      BrowserSession next = b.nextGeneration(BrowserState.STARTING, Optional.empty());
      lifecycle.store(next, b, "restarted through the API");
      return relaunch(next, s, "restarted through the API", List.of());
    });
  }

  /**
   * Starts Chromium again after it died under generation {@code dead} of the session: stored as
   * the next generation, {@code starting} with {@code why}, then ready. Nothing is done when the
   * session moved on meanwhile (another thread restarted or closed it): the session as it is now
   * is answered.
   */
  BrowserSession recover(String id, long dead, String why) {
    return locked(id, () -> {
      BrowserSession b = lifecycle.get(id);
      if (b.generation() != dead || !(b.state() == BrowserState.READY || b.state() == BrowserState.CRASHED)) {
        return b;
      }
      Sandbox s = sandboxes.get(b.sandboxId().orElseThrow(() -> BrowserException.notFound(b.id())));
      if (s.state() == SandboxState.PAUSED) {
        // a frozen Chromium answers nothing and is not dead: its pages and clients stay for its resume
        log.info("not starting Chromium of {} again ({}): its sandbox is paused", id, why);
        return b;
      }
      s = runningSandbox(b);
      BrowserSession next = b.nextGeneration(BrowserState.STARTING, Optional.of(why + "; Warren is starting it again"));
      lifecycle.store(next, b, why);
      lifecycle.events().record("browser.crashed", id, why);
      return relaunch(next, s, why, List.of());
    });
  }

  /**
   * Saves the profile now (a clean exit of Chromium writes cookies and storage), then starts
   * Chromium again on the pages it had open. False when the session writes no profile.
   */
  boolean saveProfileNow(String id, String why) {
    return locked(id, () -> {
      BrowserSession b = lifecycle.get(id);
      if (!b.profileWriter()) {
        return false;
      }
      if (b.state() != BrowserState.READY) {
        throw new BrowserException(Problem.CONFLICT, "browser session " + id + " is " + b.state().wire() + "; its profile is saved when ready",
            Map.of("state", b.state().wire()));
      }
      Sandbox s = runningSandbox(b);
      List<String> pages = openPages(s);
      BrowserSession next = b.nextGeneration(BrowserState.STARTING, Optional.of("saving its profile"));
      lifecycle.store(next, b, "saving its profile (" + why + ")");
      try {
        launcher.saveProfile(b);
      } catch (RuntimeException e) {
        log.warn("cannot save profile of {}: {}", id, e.getMessage());
        relaunch(next, s, "profile save failed", pages);
        throw e;
      }
      relaunch(next, s, "profile saved (" + why + ")", pages);
      return true;
    });
  }

  @Override
  public void stopping(Sandbox sandbox) {
    Optional<BrowserSession> found = browserOf(sandbox);
    if (found.isEmpty()) {
      return;
    }
    BrowserSession b = found.get();
    if (sandbox.state() == SandboxState.DELETING) {
      lifecycle.sandboxGone(b, "its sandbox " + sandbox.id() + " was deleted");
    } else if (SandboxService.isRestart(sandbox)) {
      BrowserSession next = b.state() == BrowserState.STARTING ? b : b.nextGeneration(BrowserState.STARTING,
          Optional.of("its sandbox is restarting"));
      lifecycle.store(next, b, "its sandbox is restarting");
    } else if (b.state() != BrowserState.CRASHED) {
      String why = "its sandbox " + sandbox.id() + " stopped" + sandbox.stateReason().map(r -> " (" + r + ")").orElse("")
          + "; start the sandbox to bring Chromium back";
      BrowserSession crashed = b.with(BrowserState.CRASHED, Optional.of(why));
      lifecycle.store(crashed, b, why);
    }
  }

  @Override
  public void started(Sandbox sandbox) {
    Optional<BrowserSession> found = browserOf(sandbox);
    if (found.isEmpty() || !(found.get().state() == BrowserState.STARTING || found.get().state() == BrowserState.CRASHED)) {
      return;
    }
    try {
      locked(found.get().id(), () -> {
        BrowserSession b = lifecycle.get(found.get().id());
        BrowserSession next = b.state() == BrowserState.STARTING ? b : b.nextGeneration(BrowserState.STARTING,
            Optional.of("its sandbox started"));
        lifecycle.repository().update(next);
        return relaunch(next, sandbox, "its sandbox " + sandbox.id() + " started generation " + sandbox.generation(), List.of());
      });
    } catch (RuntimeException e) {
      log.warn("Chromium of {} did not come back after its sandbox started: {}", found.get().id(), e.getMessage());
    }
  }

  /** Kills what is left of the last Chromium, starts the next one and stores it ready. */
  private BrowserSession relaunch(BrowserSession starting, Sandbox s, String why, List<String> pages) {
    try {
      launcher.relaunch(starting, s);
      if (!pages.isEmpty()) {
        reopen(s, pages);
      }
    } catch (RuntimeException e) {
      String reason = "Chromium did not start again (" + why + "): " + e.getMessage();
      BrowserSession crashed = starting.with(BrowserState.CRASHED, Optional.of(reason));
      lifecycle.store(crashed, starting, reason);
      throw e instanceof BrowserException be ? be : new BrowserException(Problem.UNAVAILABLE, reason, e);
    }
    BrowserSession ready = starting.readyNow();
    lifecycle.repository().update(ready);
    lifecycle.readied(ready);
    lifecycle.touch(ready.id());
    lifecycle.events().record("browser.restarted", ready.id(), "generation " + ready.generation() + ": " + why);
    return ready;
  }

  /** The session's sandbox, running: a paused one is resumed first (a restart or a profile save needs Chromium to answer). */
  private Sandbox runningSandbox(BrowserSession b) {
    Sandbox s = sandboxes.get(b.sandboxId().orElseThrow(() -> BrowserException.notFound(b.id())));
    if (s.state() == SandboxState.PAUSED) {
      s = sandboxes.ready(s.id(), "restart Chromium of browser session " + b.id() + " in", true).sandbox();
    }
    if (s.state() != SandboxState.RUNNING) {
      throw new BrowserException(Problem.CONFLICT, "the sandbox " + s.id() + " of browser session " + b.id() + " is " + s.state().wire()
          + "; start it (POST /v1/sandboxes/" + s.id() + "/start) and Chromium comes back", Map.of("state", b.state().wire()));
    }
    return s;
  }

  private Optional<BrowserSession> browserOf(Sandbox s) {
    String id = s.spec().labels().get(BrowserService.LABEL);
    if (id == null) {
      return Optional.empty();
    }
    return lifecycle.repository().find(id).filter(b -> b.state().live() && b.sandboxId().equals(Optional.of(s.id())));
  }

  /** The URLs of the pages open now, newest first, as DevTools lists them. */
  private List<String> openPages(Sandbox s) {
    List<String> urls = new ArrayList<>();
    chromium.get(s.id(), "/json/list", Duration.ofSeconds(3)).ifPresent(list -> {
      for (JsonNode t : list) {
        if (t.path("type").asString().equals("page") && !t.path("url").asString().isEmpty()) {
          urls.add(t.path("url").asString());
        }
      }
    });
    return urls;
  }

  /** Opens the pages again, oldest first, so the newest is in front as before. */
  private void reopen(Sandbox s, List<String> pages) {
    Optional<String> path = chromium.version(s.id(), Duration.ofSeconds(3)).map(Chromium::browserPath);
    if (path.isEmpty()) {
      return;
    }
    try (CdpClient cdp = chromium.cdp(s.id(), path.get(), Duration.ofSeconds(3))) {
      String first = null;
      for (JsonNode t : cdp.call("Target.getTargets", null, Duration.ofSeconds(5)).path("targetInfos")) {
        if (t.path("type").asString().equals("page")) {
          first = t.path("targetId").asString();
          break;
        }
      }
      List<String> oldestFirst = new ArrayList<>(pages).reversed();
      for (int i = 0; i < oldestFirst.size(); i++) {
        String url = oldestFirst.get(i);
        if (i == 0 && first != null) {
          String session = cdp.call("Target.attachToTarget", CdpClient.params().put("targetId", first).put("flatten", true),
              Duration.ofSeconds(5)).path("sessionId").asString();
          cdp.call("Page.navigate", CdpClient.params().put("url", url), Optional.of(session), Duration.ofSeconds(10));
        } else {
          cdp.call("Target.createTarget", CdpClient.params().put("url", url), Duration.ofSeconds(10));
        }
      }
    } catch (RuntimeException e) {
      log.info("could not reopen the pages of {} after a relaunch: {}", s.id(), e.getMessage());
    }
  }

  private <T> T locked(String id, java.util.function.Supplier<T> work) {
    return locks.locked("browser session " + id,
        () -> new BrowserException(Problem.CONFLICT, "browser session " + id + " is busy restarting; try again"), work);
  }
}
