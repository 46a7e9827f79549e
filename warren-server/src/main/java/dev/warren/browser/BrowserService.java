package dev.warren.browser;

import dev.warren.error.Problem;
import dev.warren.events.Events;
import dev.warren.runtime.Limits;
import dev.warren.sandbox.Sandbox;
import dev.warren.sandbox.SandboxService;
import dev.warren.store.Store;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Browser sessions: Chromium in a sandbox of its own (image {@code browser}), reused by caller
 * key, closed when idle or too old, with named profiles saved when a writing session ends. The
 * registry is in the store; Chromium and its sandbox outlive the controller. Thread-safe: called
 * on API request threads. The sessions' records and the ends of their Chromium are kept by
 * {@link BrowserLifecycle}, Chromium itself is launched and its profile saved by
 * {@link BrowserLauncher}; restarts ({@link BrowserRelaunch}) use those two, not this class.
 */
public final class BrowserService implements AutoCloseable {
  static final String IMAGE = "browser";
  /** The label naming the browser session a sandbox belongs to. */
  public static final String LABEL = "warren.browser";
  /** Where Chromium's DevTools listens in its sandbox, on the sandbox's loopback: Warren's door, not the user's. */
  public static final int DEVTOOLS_PORT = Chromium.DEVTOOLS_PORT;

  private final SandboxService sandboxes;
  private final BrowserRepository repo;
  private final Profiles profiles;
  private final Chromium chromium;
  private final Events events;
  /** Creates with one key, and requests with one idempotency key, run one at a time; each waits at most 120 s. */
  private final dev.warren.host.NamedLocks keyLocks = new dev.warren.host.NamedLocks(Duration.ofSeconds(120));
  private final BrowserLifecycle lifecycle;
  private final BrowserLauncher launcher;
  private final BrowserReaper reaper;
  private final BrowserPool pool;
  private final BrowserRelaunch relaunch;
  private final Downloads downloads = new Downloads();
  private final BrowserWatch watch;
  private final BrowserClose closer;
  private final BrowserPause pause;

  /** A live session and whether this call made it (201) or found it by key (200). */
  public record Created(BrowserSession session, boolean created) {}

  /** A ready browser's DevTools: inside sandbox {@code sandboxId}, the browser target at {@code browserPath}. */
  public record Target(String sandboxId, String browserPath) {}

  public BrowserService(SandboxService sandboxes, dev.warren.runtime.SandboxRuntime runtime, Store store, Events events, Path profilesDir,
      String proxyUrl, Limits limits, Duration reapInterval, int poolSize) {
    this.sandboxes = sandboxes;
    this.repo = new BrowserRepository(store);
    this.profiles = new Profiles(store, profilesDir);
    this.chromium = new Chromium(runtime);
    this.events = events;
    this.lifecycle = new BrowserLifecycle(repo, profiles, events);
    this.launcher = new BrowserLauncher(sandboxes, chromium, profiles, lifecycle, proxyUrl, limits);
    this.reaper = new BrowserReaper(this, reapInterval);
    this.pool = new BrowserPool(this, poolSize);
    this.relaunch = new BrowserRelaunch(lifecycle, launcher, chromium, sandboxes);
    this.watch = new BrowserWatch(lifecycle, chromium, downloads, (b, why) -> relaunch.recover(b.id(), b.generation(), why),
        this::paused);
    this.pause = new BrowserPause(lifecycle, sandboxes, watch);
    this.closer = new BrowserClose(lifecycle, launcher, sandboxes, pause);
    sandboxes.addListener(relaunch);
    sandboxes.addListener(pause);
  }

  /** Browsers waiting in the warm pool. */
  public int pooledCount() {
    return repo.pooled().size();
  }

  public Profiles profiles() {
    return profiles;
  }

  /** Called with a session id when its Chromium ends (closed, crashed, restarted), so its CDP connections end. */
  public void onClose(Consumer<String> listener) {
    lifecycle.onClose(listener);
  }

  /** Told of every end of a session's Chromium and what the session is now. */
  public void addListener(BrowserListener listener) {
    lifecycle.addListener(listener);
  }

  // ---- create

  /**
   * Creates a session, or answers the earlier one: a live session with the same key, or the
   * session an earlier request with the same {@code idempotencyKey} made (409 when that key came
   * with a different request).
   */
  public Created create(BrowserSpec spec, Optional<dev.warren.store.IdempotencyKey> idempotencyKey) {
    if (idempotencyKey.isEmpty()) {
      return create(spec);
    }
    dev.warren.store.IdempotencyKey k = idempotencyKey.get();
    return keyLocks.locked("idempotency:" + k.owner() + ":" + k.key(), () -> new BrowserException(Problem.CONFLICT,
        "another request with Idempotency-Key " + k.key() + " is still being processed after " + keyLocks.waitLimit().toSeconds()
            + " s; retry it later"), () -> {
          String hash = dev.warren.store.IdempotencyKey.requestHash(BrowserRepository.specJson(spec));
          Optional<String> earlier = repo.byIdempotencyKey(k, hash);
          if (earlier.isPresent()) {
            // the answer the first attempt got: it made this session
            return new Created(get(earlier.get()), true);
          }
          // the key is recorded with the session's row, before its browser starts: there is no moment at which a
          // controller killed could leave a ready browser that a retry with this key would not find (an interrupted
          // create is undone at the next start, and its key forgotten with it, so that the retry makes it anew)
          return create(spec, id -> repo.rememberIdempotencyKey(k, hash, id));
        });
  }

  public Created create(BrowserSpec spec) {
    return create(spec, id -> {});
  }

  /**
   * {@code claimed} is called with the session's id as soon as the session is the caller's (its
   * row inserted, or a pooled browser taken); a failure of it fails the create.
   */
  private Created create(BrowserSpec spec, java.util.function.Consumer<String> claimed) {
    sandboxes.checkEgress(spec.egress()); // before a pooled browser is claimed for it
    if (spec.idleAction() == BrowserIdleAction.PAUSE && !sandboxes.canPause()) {
      throw dev.warren.error.WarrenException.invalid("idleAction", "the runtime " + sandboxes.runtimeName()
          + " cannot pause browsers; use idleAction \"close\"");
    }
    if (spec.key().isEmpty()) {
      return new Created(fromPoolOrStart(spec, claimed), true);
    }
    String key = spec.key().get();
    return keyLocks.locked("key:" + key, () -> new BrowserException(Problem.UNAVAILABLE, "another create of the browser with key " + key
        + " is still running after " + keyLocks.waitLimit().toSeconds() + " s; try again"), () -> {
          Optional<BrowserSession> existing = repo.liveByKey(key).flatMap(b -> BrowserKeyed.usable(this, b));
          if (existing.isPresent()) {
            touch(existing.get().id());
            return new Created(existing.get(), false);
          }
          return new Created(fromPoolOrStart(spec, claimed), true);
        });
  }

  private BrowserSession fromPoolOrStart(BrowserSpec spec, java.util.function.Consumer<String> claimed) {
    if (BrowserPool.fits(spec)) {
      Optional<BrowserSession> warm = pool.take(spec);
      if (warm.isPresent()) {
        claimed.accept(warm.get().id());
        touch(warm.get().id());
        events.record("browser.created", warm.get().id(), spec.key().map(k -> "key " + k + ", ").orElse("") + "from the warm pool");
        return warm.get();
      }
    }
    return launcher.start(spec, false, claimed);
  }

  /** Starts a browser for the warm pool (called by the pool, in the background). */
  void startPooled(BrowserSpec spec) {
    launcher.start(spec, true, id -> {});
  }

  // ---- queries

  public BrowserSession get(String id) {
    return lifecycle.get(id);
  }

  public List<BrowserSession> list() {
    return repo.live();
  }

  /** DevTools of a ready session, asking Chromium whether it answers; counts as activity. 409 when it is not ready. */
  public Target target(String id) {
    return target(id, true);
  }

  /**
   * Like {@link #target(String)}, but without asking Chromium again when its browser path is
   * already known (from its start, or an earlier answer): for callers that connect to it right
   * away, which shows whether it answers. Saves a DevTools round trip.
   */
  public Target connectTarget(String id) {
    return target(id, false);
  }

  private Target target(String id, boolean probe) {
    BrowserSession b = get(id);
    if (b.state() == BrowserState.STARTING) {
      // a restart (after Chromium died, or asked for) is over in seconds: not a conflict to resolve, a moment to wait
      throw new BrowserException(Problem.UNAVAILABLE, "browser session " + id + " is starting" + b.stateReason().map(r -> " (" + r + ")")
          .orElse("") + "; try again in a few seconds", Map.of("state", b.state().wire()));
    }
    if (b.state() != BrowserState.READY) {
      throw new BrowserException(Problem.CONFLICT, "browser session " + id + " is " + b.state().wire()
          + b.stateReason().map(r -> " (" + r + ")").orElse("") + (b.state() == BrowserState.CRASHED
              ? "; restart it with POST /v1/browsers/" + id + "/restart" : ""), Map.of("state", b.state().wire()));
    }
    Sandbox s = sandboxes.get(b.sandboxId().orElseThrow());
    if (s.state() == dev.warren.sandbox.SandboxState.PAUSED) {
      // whatever reaches Chromium resumes a paused browser first, transparently
      s = sandboxes.ready(s.id(), "reach browser session " + id + " in", true).sandbox();
    }
    touch(id);
    String path = probe ? null : lifecycle.devtoolsPath(id).orElse(null);
    if (path == null) {
      DevtoolsHttp.Answer a = chromium.probe(s.id(), "/json/version", Duration.ofSeconds(5));
      path = lifecycle.devtoolsAnswered(id, a.json().orElseThrow(() -> unreachable(b, a.failure())));
    }
    return new Target(s.id(), path);
  }

  /** The browser's own {@code /json/...} answer, for rewriting by the API. */
  public Optional<tools.jackson.databind.JsonNode> devtoolsJson(String id, String path) {
    Target t = connectTarget(id);
    return chromium.get(t.sandboxId(), path, Duration.ofSeconds(5));
  }

  /**
   * A CDP client on the browser target of a ready session (409 when it is not ready); the caller
   * closes it.
   *
   * @throws IllegalStateException when Chromium does not answer within {@code timeout}
   */
  public CdpClient cdp(String id, Duration timeout) {
    Target t = connectTarget(id);
    try {
      return chromium.cdp(t.sandboxId(), t.browserPath(), timeout);
    } catch (IllegalStateException e) {
      watch.suspect(id);
      throw e;
    }
  }

  /**
   * Chromium of a session stored ready does not answer: the watch judges it (and starts it again
   * when it died); the caller is told so, in words, with a 503.
   */
  private BrowserException unreachable(BrowserSession b, String why) {
    watch.suspect(b.id());
    return new BrowserException(Problem.UNAVAILABLE, "Chromium of browser session " + b.id() + " does not answer on DevTools (" + why
        + "); when it died, Warren starts it again: try again in a few seconds", Map.of("state", b.state().wire()));
  }

  /**
   * The raw DevTools WebSocket of a ready session (409 when it is not ready): its browser target,
   * or {@code path} ({@code /devtools/page/…}), for relaying a client's CDP frame for frame.
   *
   * @throws java.io.IOException when Chromium does not answer the WebSocket within {@code timeout}
   */
  public DevtoolsSocket devtools(String id, Optional<String> path, Duration timeout, int maxMessage, DevtoolsSocket.Listener listener)
      throws java.io.IOException {
    Target t = connectTarget(id);
    try {
      return chromium.socket(t.sandboxId(), path.orElse(t.browserPath()), timeout, maxMessage, listener);
    } catch (java.io.IOException | IllegalStateException e) {
      throw unreachable(get(id), e.getMessage());
    }
  }

  /** What Chromium answered to a DevTools HTTP call: its status and body, unchanged. */
  public record DevtoolsReply(int status, byte[] body) {}

  /**
   * One call of the browser's DevTools HTTP endpoints ({@code GET /json/protocol}, {@code PUT
   * /json/new?url}, {@code GET /json/close/{target}}, …) passed through for the API to rewrite;
   * counts as activity. 409 when the session is not ready, 503 when Chromium does not answer.
   */
  public DevtoolsReply devtools(String id, String method, String path) {
    Target t = connectTarget(id);
    try {
      DevtoolsHttp.Raw r = chromium.call(t.sandboxId(), method, path, Duration.ofSeconds(10));
      return new DevtoolsReply(r.status(), r.body());
    } catch (java.io.IOException e) {
      throw unreachable(get(id), method + " " + path + ": " + e.getMessage());
    }
  }

  /**
   * A CDP client that set a download behaviour of its own left: Chromium dropped that behaviour
   * with it, so downloads go to Warren's directory again.
   */
  public void restoreDownloads(String id) {
    watch.allowDownloads(id);
  }

  /** Activity on the session: counted against its idle timeout, and a paused session is resumed by it. */
  public void touch(String id) {
    lifecycle.touch(id);
    pause.wake(id, "resumed by activity on browser session " + id);
  }

  /**
   * Freezes the sandbox of a ready session (its Chromium keeps pages, cookies and memory and uses
   * no CPU); answered as it is when paused already. 409 unless ready. Anything that reaches
   * Chromium afterwards resumes it: a CDP connection, a DevTools HTTP call, an action, a live view.
   */
  public BrowserSession pause(String id, String reason) {
    return pause.pause(id, reason);
  }

  /** Thaws a paused session's sandbox; a running one is answered as it is. */
  public BrowserSession resume(String id, String why) {
    BrowserSession b = get(id);
    pause.resumeIfPaused(b, why);
    touch(id);
    return get(id);
  }

  /** Whether the session's sandbox is paused now. */
  public boolean paused(BrowserSession b) {
    return pause.paused(b);
  }

  BrowserPause pauses() {
    return pause;
  }

  BrowserRelaunch relaunch() {
    return relaunch;
  }

  BrowserWatch watch() {
    return watch;
  }

  Downloads downloads() {
    return downloads;
  }

  BrowserLifecycle lifecycle() {
    return lifecycle;
  }

  BrowserRepository repository() {
    return repo;
  }

  Chromium chromium() {
    return chromium;
  }

  Profiles profilesStore() {
    return profiles;
  }

  SandboxService sandboxes() {
    return sandboxes;
  }

  Events events() {
    return events;
  }

  // ---- close, restart

  /** Closes a session: saves its profile when it writes one, removes its sandbox. Idempotent. */
  public void close(String id, String reason) {
    closer.close(get(id), reason);
  }

  /** Closes every live session, or those whose key starts with {@code keyPrefix}; returns how many. */
  public int closeAll(Optional<String> keyPrefix, String reason) {
    int n = 0;
    for (BrowserSession b : repo.live()) {
      if (keyPrefix.isEmpty() || b.key().map(k -> k.startsWith(keyPrefix.get())).orElse(false)) {
        close(b.id(), reason);
        n++;
      }
    }
    return n;
  }

  /**
   * Saves the profile of a session that writes one, now, while the session goes on: Chromium exits
   * cleanly (so cookies and storage are on disk) and starts again as the next generation, on the
   * pages it had open. False when the session writes no profile.
   */
  public boolean saveProfileNow(String id, String why) {
    return relaunch.saveProfileNow(id, why);
  }

  /** Starts Chromium again in place (after a crash, or to start afresh), with the same profile directory. */
  public BrowserSession restart(String id) {
    return relaunch.restart(id);
  }

  /** A running sandbox adopted at start-up: closes what an older Warren left open in it, if it is a browser's. */
  public void adopted(Sandbox sandbox) {
    BrowserStartup.closeOldForwarder(this, sandbox);
  }

  /** After a controller start: sessions whose sandbox is gone are closed; the rest are checked by the reaper. */
  public AutoCloseable open() {
    profiles.releaseStale(BrowserStartup.reconcile(this));
    // sessions that outlived the last controller: their downloads are pointed at Warren's directory again, their death noticed
    Thread.ofVirtual().name("browser-watch-adopted").start(() -> repo.live().forEach(watch::watch));
    reaper.start();
    pool.refill();
    return () -> {
      pool.close();
      reaper.close();
      watch.close();
    };
  }

  @Override
  public void close() {
    reaper.close();
    watch.close();
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
