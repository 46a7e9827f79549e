package dev.warren.browser;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller's own DevTools connection to the browser target of each ready session: when
 * Chromium ends, whatever ended it (a kill from outside, a crash, {@code Browser.crash}), the
 * connection drops at once and the session is handed to {@code recover} (which starts Chromium
 * again in place) instead of staying {@code ready} on a dead browser until a probe misses. The
 * same connection sets where downloads go ({@link Chromium#DOWNLOADS}) with events on, and passes
 * the events to {@link Downloads}: Chromium keeps a download behaviour only while the DevTools
 * client that set it stays connected.
 *
 * <p>Thread-safe. One watch per session, of one generation: made by the thread that stored the
 * session ready ({@link BrowserLifecycle#readied}) or by the reaper for a ready session without
 * one (adopted after a controller restart); dropped when that generation ends
 * ({@link BrowserLifecycle#ended}). A dropped connection is judged on a virtual thread of its own,
 * never on the DevTools reader thread.
 *
 * <p>A paused session's Chromium is frozen: it answers nothing, though it lives. It is neither
 * connected to nor judged while paused ({@code paused}); the resume watches it again
 * ({@link BrowserPause}). A watch open when the pause came stays open, silent, until the thaw.
 */
final class BrowserWatch implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BrowserWatch.class);
  private static final Duration CONNECT = Duration.ofSeconds(5);
  /** How long a Chromium alive but not answering is left before the watch tries again. */
  private static final Duration SLOW_RETRY = Duration.ofSeconds(2);

  private record Watch(long generation, CdpClient cdp) {}

  private final BrowserLifecycle lifecycle;
  private final Chromium chromium;
  private final Downloads downloads;
  /** Called with a ready session whose Chromium is gone and why; starts it again. */
  private final BiConsumer<BrowserSession, String> recover;
  /** Whether the session's sandbox is paused now: its Chromium cannot answer, and is not dead. */
  private final java.util.function.Predicate<BrowserSession> paused;
  private final Map<String, Watch> watches = new ConcurrentHashMap<>();
  private volatile boolean closed;

  BrowserWatch(BrowserLifecycle lifecycle, Chromium chromium, Downloads downloads, BiConsumer<BrowserSession, String> recover,
      java.util.function.Predicate<BrowserSession> paused) {
    this.lifecycle = lifecycle;
    this.paused = paused;
    this.chromium = chromium;
    this.downloads = downloads;
    this.recover = recover;
    lifecycle.onReady(this::watch);
    lifecycle.onClose(this::unwatch);
  }

  /** Whether the session's current generation is watched (its connection open). */
  boolean watched(BrowserSession b) {
    Watch w = watches.get(b.id());
    return w != null && w.generation() == b.generation() && !w.cdp().isClosed();
  }

  /** Watches a ready session (its current generation); a failure to connect is judged like a dropped connection. */
  void watch(BrowserSession b) {
    if (closed || b.state() != BrowserState.READY || b.sandboxId().isEmpty() || watched(b) || paused.test(b)) {
      return;
    }
    String path = lifecycle.devtoolsPath(b.id()).orElse(null);
    CdpClient cdp;
    try {
      if (path == null) {
        path = chromium.version(b.sandboxId().get(), CONNECT).map(v -> lifecycle.devtoolsAnswered(b.id(), v))
            .orElseThrow(() -> new IllegalStateException("DevTools does not answer /json/version"));
      }
      cdp = chromium.cdp(b.sandboxId().get(), path, CONNECT);
    } catch (RuntimeException e) {
      Thread.ofVirtual().name("browser-watch-" + b.id()).start(() -> judge(b, "cannot connect to its DevTools: " + e.getMessage()));
      return;
    }
    Watch w = new Watch(b.generation(), cdp);
    Watch old = watches.put(b.id(), w);
    if (old != null) {
      old.cdp().close();
    }
    cdp.onEvent(e -> downloads.event(b.id(), e));
    cdp.closedFuture().thenRun(() -> {
      if (watches.remove(b.id(), w)) {
        Thread.ofVirtual().name("browser-watch-" + b.id()).start(() -> judge(b, "its DevTools connection ended"));
      }
    });
    allowDownloads(w);
  }

  /** Points downloads at {@link Chromium#DOWNLOADS} again (after an outside client's own behaviour was reset by its leaving). */
  void allowDownloads(String id) {
    Watch w = watches.get(id);
    if (w != null) {
      allowDownloads(w);
    }
  }

  private static void allowDownloads(Watch w) {
    w.cdp().send("Browser.setDownloadBehavior", CdpClient.params().put("behavior", "allow").put("downloadPath", Chromium.DOWNLOADS)
        .put("eventsEnabled", true), Optional.empty()).exceptionally(e -> {
          log.debug("cannot set the download behaviour: {}", e.getMessage());
          return null;
        });
  }

  /** A connection to the session's DevTools failed: if it is ready, whether Chromium died is judged (in the background). */
  void suspect(String id) {
    lifecycle.repository().find(id).filter(b -> b.state() == BrowserState.READY).ifPresent(b ->
        Thread.ofVirtual().name("browser-watch-" + id).start(() -> judge(b, "a connection to its DevTools failed")));
  }

  /** The session's generation ended (closed, restarted, crashed as stored): its watch goes without a verdict. */
  void unwatch(String id) {
    Watch w = watches.remove(id);
    if (w != null) {
      w.cdp().close();
    }
    lifecycle.repository().find(id).filter(b -> !b.state().live()).ifPresent(b -> downloads.forget(id));
  }

  /**
   * The watched generation lost its connection: if it is still the session's, ready, and nothing
   * listens on DevTools any more, Chromium is dead and recovered; if Chromium answers, or listens
   * without answering yet (alive but slow), the watch is made again (then, after a pause).
   */
  private void judge(BrowserSession watched, String why) {
    if (closed) {
      return;
    }
    Optional<BrowserSession> now = lifecycle.repository().find(watched.id())
        .filter(b -> b.state() == BrowserState.READY && b.generation() == watched.generation());
    if (now.isEmpty()) {
      return;
    }
    if (paused.test(now.get())) {
      // frozen, not dead: its resume watches it again
      log.debug("the watch of {} ended ({}) while it is paused: judged after its resume", watched.id(), why);
      return;
    }
    String sandbox = now.get().sandboxId().orElseThrow();
    if (chromium.version(sandbox, Duration.ofSeconds(2)).isPresent()) {
      log.debug("the watch of {} ended ({}) but Chromium answers: watching it again", watched.id(), why);
      watch(now.get());
      return;
    }
    if (chromium.listening(sandbox, Duration.ofSeconds(2))) {
      // alive but not answering (a loaded host, a page hogging it, a stopped process): restarting it would throw away
      // its pages under its clients; it is watched again once it answers, and one that stays hung is the reaper's
      log.info("Chromium of {} does not answer ({}) but is alive: waiting for it", watched.id(), why);
      Thread.ofVirtual().name("browser-watch-" + watched.id()).start(() -> {
        try {
          Thread.sleep(SLOW_RETRY);
        } catch (InterruptedException e) {
          return;
        }
        lifecycle.repository().find(watched.id()).filter(b -> b.generation() == watched.generation()).ifPresent(this::watch);
      });
      return;
    }
    if (paused.test(now.get())) {
      // paused while it was probed
      return;
    }
    try {
      recover.accept(now.get(), "Chromium exited (" + why + ")");
    } catch (RuntimeException e) {
      log.warn("Chromium of {} exited and could not be started again: {}", watched.id(), e.getMessage());
    }
  }

  @Override
  public void close() {
    closed = true;
    watches.values().forEach(w -> w.cdp().close());
    watches.clear();
  }
}
