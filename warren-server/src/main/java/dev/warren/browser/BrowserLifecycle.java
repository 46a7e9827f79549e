package dev.warren.browser;

import dev.warren.error.Ids;
import dev.warren.events.Events;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The records of browser sessions and the ends of their Chromium: each end is stored, then the
 * listeners hear of it (CDP connections close, live views end). Shared by {@link BrowserService}
 * (API calls), {@link BrowserRelaunch} (restarts, sandbox events), {@link BrowserLauncher} and
 * the reaper, so that none of them calls back into the service.
 *
 * <p>Thread-safe. Listeners are told on the thread that stored the end (an API request, a sandbox
 * listener's thread, the reaper's); one that throws is logged and does not stop the others.
 * Activity times are written by any thread ({@link #touch}) and read by the reaper. The DevTools
 * path of a running Chromium is learnt by whoever launched or probed it and dropped at its end.
 */
final class BrowserLifecycle {
  private static final Logger log = LoggerFactory.getLogger(BrowserLifecycle.class);

  private final BrowserRepository repo;
  private final Profiles profiles;
  private final Events events;
  private final Map<String, Instant> activity = new ConcurrentHashMap<>();
  /** The browser target's DevTools path of each running Chromium, learnt when it answered; dropped when it closes or crashes. */
  private final Map<String, String> devtoolsPaths = new ConcurrentHashMap<>();
  private final List<Consumer<String>> closeListeners = new CopyOnWriteArrayList<>();
  private final List<BrowserListener> listeners = new CopyOnWriteArrayList<>();
  private final List<Consumer<BrowserSession>> readyListeners = new CopyOnWriteArrayList<>();

  BrowserLifecycle(BrowserRepository repo, Profiles profiles, Events events) {
    this.repo = repo;
    this.profiles = profiles;
    this.events = events;
  }

  BrowserRepository repository() {
    return repo;
  }

  Events events() {
    return events;
  }

  /** The session, or 404. */
  BrowserSession get(String id) {
    if (!Ids.looksLike("brw", id)) {
      throw BrowserException.notFound(id);
    }
    return repo.find(id).orElseThrow(() -> BrowserException.notFound(id));
  }

  void onClose(Consumer<String> listener) {
    closeListeners.add(listener);
  }

  void addListener(BrowserListener listener) {
    listeners.add(listener);
  }

  /** Told of each session (a generation of it) stored ready, on the thread that stored it. */
  void onReady(Consumer<BrowserSession> listener) {
    readyListeners.add(listener);
  }

  /** {@code ready} (stored) is a session whose Chromium now answers: its watchers are told. */
  void readied(BrowserSession ready) {
    for (Consumer<BrowserSession> l : readyListeners) {
      try {
        l.accept(ready);
      } catch (RuntimeException e) {
        log.warn("ready listener failed for {}: {}", ready.id(), e.toString());
      }
    }
  }

  void touch(String id) {
    activity.put(id, Instant.now());
  }

  /** Last activity by session id, live: the reaper reads and adds to it. */
  Map<String, Instant> activity() {
    return activity;
  }

  Optional<String> devtoolsPath(String id) {
    return Optional.ofNullable(devtoolsPaths.get(id));
  }

  void devtoolsPath(String id, String path) {
    devtoolsPaths.put(id, path);
  }

  /** Notes the browser path from Chromium's {@code /json/version} answer; returns it. */
  String devtoolsAnswered(String id, tools.jackson.databind.JsonNode version) {
    String path = Chromium.browserPath(version);
    devtoolsPaths.put(id, path);
    return path;
  }

  /** A session whose start failed: nothing of its Chromium is known any more. */
  void startFailed(String id) {
    devtoolsPaths.remove(id);
  }

  /** Tells listeners that Chromium of {@code endedGeneration} is gone; {@code now} is already stored. */
  void ended(BrowserSession now, long endedGeneration, String why) {
    devtoolsPaths.remove(now.id());
    closeListeners.forEach(l -> {
      try {
        l.accept(now.id());
      } catch (RuntimeException e) {
        log.debug("close listener failed: {}", e.toString());
      }
    });
    for (BrowserListener l : listeners) {
      try {
        l.ended(now, endedGeneration, why);
      } catch (RuntimeException e) {
        log.warn("browser listener failed for {}: {}", now.id(), e.toString());
      }
    }
  }

  /** Stores {@code now} (a later state of {@code before}) and tells listeners that Chromium of {@code before} ended. */
  void store(BrowserSession now, BrowserSession before, String why) {
    repo.update(now);
    ended(now, before.generation(), why);
  }

  /** The sandbox of a live session was deleted from under it: the session is closed, its profile not saved. */
  void sandboxGone(BrowserSession b, String why) {
    BrowserSession closed = b.with(BrowserState.CLOSED, Optional.of(why));
    repo.update(closed);
    released(b);
    ended(closed, b.generation(), why);
    events.record("browser.closed", b.id(), why);
  }

  /** A session that no longer runs: its profile's writer lock and its activity are let go. */
  void released(BrowserSession b) {
    if (b.profileWriter()) {
      profiles.unlock(b.spec().profile().orElseThrow(), b.id());
    }
    activity.remove(b.id());
  }
}
