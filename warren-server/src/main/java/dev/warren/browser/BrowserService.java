package dev.warren.browser;

import dev.warren.error.Ids;
import dev.warren.error.Problem;
import dev.warren.error.WarrenException;
import dev.warren.events.Events;
import dev.warren.runtime.ExecResult;
import dev.warren.runtime.ExecSpec;
import dev.warren.runtime.Limits;
import dev.warren.sandbox.Sandbox;
import dev.warren.sandbox.SandboxService;
import dev.warren.sandbox.SandboxSpec;
import dev.warren.store.Store;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Browser sessions: Chromium in a sandbox of its own (image {@code browser}), reused by caller
 * key, closed when idle or too old, with named profiles saved when a writing session ends. The
 * registry is in the store; Chromium and its sandbox outlive the controller. Thread-safe.
 */
public final class BrowserService implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BrowserService.class);
  static final String IMAGE = "browser";
  /** The label naming the browser session a sandbox belongs to. */
  public static final String LABEL = "warren.browser";
  static final Duration READY_WAIT = Duration.ofSeconds(20);
  /** Where a profile's tar is put in the sandbox on its way in and out. */
  private static final String PROFILE_TAR = "/var/lib/warren/browser/profile.tar";

  private final SandboxService sandboxes;
  private final BrowserRepository repo;
  private final Profiles profiles;
  private final Chromium chromium;
  private final Events events;
  private final String proxyUrl;
  private final Limits limits;
  /** Creates with one key, and requests with one idempotency key, run one at a time; each waits at most 120 s. */
  private final KeyLocks keyLocks = new KeyLocks(Duration.ofSeconds(120));
  private final Map<String, Instant> activity = new ConcurrentHashMap<>();
  /** The browser target's DevTools path of each running Chromium, learnt when it answered; dropped when it closes or crashes. */
  private final Map<String, String> devtoolsPaths = new ConcurrentHashMap<>();
  private final List<Consumer<String>> closeListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final List<BrowserListener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final BrowserReaper reaper;
  private final BrowserPool pool;
  private final BrowserRelaunch relaunch;

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
    this.proxyUrl = proxyUrl;
    this.limits = limits;
    this.reaper = new BrowserReaper(this, reapInterval);
    this.pool = new BrowserPool(this, poolSize);
    this.relaunch = new BrowserRelaunch(this);
    sandboxes.addListener(relaunch);
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
    closeListeners.add(listener);
  }

  /** Told of every end of a session's Chromium and what the session is now. */
  public void addListener(BrowserListener listener) {
    listeners.add(listener);
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
          String hash = BrowserRepository.hash(BrowserRepository.specJson(spec));
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
    if (spec.key().isEmpty()) {
      return new Created(fromPoolOrStart(spec, claimed), true);
    }
    String key = spec.key().get();
    return keyLocks.locked("key:" + key, () -> new BrowserException(Problem.UNAVAILABLE, "another create of the browser with key " + key
        + " is still running after " + keyLocks.waitLimit().toSeconds() + " s; try again"), () -> {
          Optional<BrowserSession> existing = repo.liveByKey(key);
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
    return start(spec, false, claimed);
  }

  /** Starts a browser for the warm pool (called by the pool, in the background). */
  void startPooled(BrowserSpec spec) {
    start(spec, true, id -> {});
  }

  private BrowserSession start(BrowserSpec spec, boolean pooled, java.util.function.Consumer<String> claimed) {
    String id = Ids.next("brw");
    boolean writer = spec.profile().isPresent() && !spec.profileReadOnly();
    if (writer) {
      profiles.lock(spec.profile().get(), id);
    }
    Instant now = Instant.now();
    BrowserSession b = new BrowserSession(id, spec.key(), Optional.empty(), BrowserState.STARTING, Optional.empty(), spec, writer, 1, now,
        Optional.empty(), Optional.empty(), now);
    try {
      repo.insert(b);
    } catch (RuntimeException e) {
      if (writer) {
        profiles.unlock(spec.profile().get(), id);
      }
      throw e;
    }
    Sandbox sandbox = null;
    long t0 = System.nanoTime();
    try {
      claimed.accept(id);
      // a headed browser draws on the sandbox's desktop, which can be watched over VNC
      Optional<dev.warren.sandbox.Desktop> desktop = spec.headless() ? Optional.empty()
          : Optional.of(new dev.warren.sandbox.Desktop(Math.clamp(spec.width(), 320, 3840), Math.clamp(spec.height(), 200, 2160)));
      sandbox = sandboxes.create(new SandboxSpec(IMAGE, Map.of(), Map.of(LABEL, id), limits, spec.egress(), Duration.ZERO, desktop),
          Optional.empty());
      b = new BrowserSession(id, spec.key(), Optional.of(sandbox.id()), BrowserState.STARTING, Optional.empty(), spec, writer, 1, now,
          Optional.empty(), Optional.empty(), now);
      repo.update(b);
      long t1 = System.nanoTime();
      loadProfile(sandbox, spec);
      long t2 = System.nanoTime();
      launch(b, sandbox);
      long t3 = System.nanoTime();
      BrowserSession ready = new BrowserSession(id, spec.key(), Optional.of(sandbox.id()), pooled ? BrowserState.POOLED : BrowserState.READY,
          Optional.empty(), spec, writer, 1, now, Optional.of(Instant.now()), Optional.empty(), Instant.now());
      repo.update(ready);
      log.debug("started {}{} in {}: sandbox {} ms, profile {} ms, Chromium to DevTools {} ms, recorded {} ms", id, pooled ? " (pooled)" : "",
          sandbox.id(), (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, (t3 - t2) / 1_000_000, (System.nanoTime() - t3) / 1_000_000);
      if (!pooled) {
        touch(id);
        events.record("browser.created", id, spec.key().map(k -> "key " + k + ", ").orElse("") + "sandbox " + sandbox.id());
      }
      return ready;
    } catch (RuntimeException e) {
      String why = e.getMessage();
      devtoolsPaths.remove(id);
      if (sandbox != null) {
        try {
          sandboxes.delete(sandbox.id());
        } catch (RuntimeException cleanup) {
          e.addSuppressed(cleanup);
        }
      }
      if (writer) {
        profiles.unlock(spec.profile().get(), id);
      }
      repo.update(b.with(BrowserState.CLOSED, Optional.of("could not start: " + why)));
      // a retry with the create's Idempotency-Key tries again rather than answering this failure
      repo.forgetIdempotencyKeys(id);
      if (e instanceof WarrenException we) {
        throw we;
      }
      throw new BrowserException(Problem.UNAVAILABLE, "browser session " + id + " could not start: " + why, e);
    }
  }

  void launch(BrowserSession b, Sandbox sandbox) {
    long t0 = System.nanoTime();
    chromium.start(sandbox.id(), proxyUrl, b.spec(), b.id(), sandbox.spec().desktop().isPresent());
    long t1 = System.nanoTime();
    DevtoolsHttp.Answer ready = chromium.awaitReady(sandbox.id(), READY_WAIT);
    String path = ready.json().map(Chromium::browserPath).orElseThrow(() -> new BrowserException(Problem.UNAVAILABLE,
        "Chromium in " + sandbox.id() + " did not answer on DevTools within " + READY_WAIT.toSeconds() + " s (last: " + ready.failure() + ")"));
    devtoolsPaths.put(b.id(), path);
    log.debug("Chromium of {}: spawned in {} ms, DevTools answered {} ms later", b.id(), (t1 - t0) / 1_000_000,
        (System.nanoTime() - t1) / 1_000_000);
    if (chromium.fitted(b.spec())) {
      // launched at the right size: the check need not hold up the session
      Thread.ofVirtual().name("fit-" + b.id()).start(() -> chromium.fitViewport(sandbox.id(), b.spec(), path));
    } else {
      chromium.fitViewport(sandbox.id(), b.spec(), path);
    }
  }

  private void loadProfile(Sandbox sandbox, BrowserSpec spec) {
    Optional<Path> saved = spec.profile().flatMap(profiles::content);
    if (saved.isEmpty()) {
      // Chromium's launch makes its profile directory: no exec needed
      return;
    }
    try (InputStream in = Files.newInputStream(saved.get())) {
      sandboxes.files(sandbox.id()).write(PROFILE_TAR, in, Long.MAX_VALUE, Optional.of(0600));
    } catch (java.io.IOException e) {
      throw new BrowserException(Problem.UNAVAILABLE, "cannot copy profile " + spec.profile().get() + ": " + e.getMessage(), e);
    }
    run(sandbox.id(), Chromium.unpackProfile(PROFILE_TAR));
  }

  private ExecResult run(String sandboxId, List<String> argv) {
    ExecResult r = sandboxes.exec(sandboxId, new ExecSpec(argv, Map.of(), Optional.empty(), new byte[0], Duration.ofMinutes(5), 1 << 16));
    if (r.exitCode() != 0) {
      throw new BrowserException(Problem.UNAVAILABLE, String.join(" ", argv) + " failed in " + sandboxId + ": "
          + new String(r.stderr(), StandardCharsets.UTF_8).strip());
    }
    return r;
  }

  // ---- queries

  public BrowserSession get(String id) {
    if (!Ids.looksLike("brw", id)) {
      throw BrowserException.notFound(id);
    }
    return repo.find(id).orElseThrow(() -> BrowserException.notFound(id));
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
    if (b.state() != BrowserState.READY) {
      throw new BrowserException(Problem.CONFLICT, "browser session " + id + " is " + b.state().wire()
          + b.stateReason().map(r -> " (" + r + ")").orElse("") + (b.state() == BrowserState.CRASHED
              ? "; restart it with POST /v1/browsers/" + id + "/restart" : ""), Map.of("state", b.state().wire()));
    }
    Sandbox s = sandboxes.get(b.sandboxId().orElseThrow());
    touch(id);
    String known = probe ? null : devtoolsPaths.get(id);
    String path = known;
    if (path == null) {
      DevtoolsHttp.Answer a = chromium.probe(s.id(), "/json/version", Duration.ofSeconds(5));
      path = devtoolsAnswered(id, a.json().orElseThrow(() -> new BrowserException(Problem.UNAVAILABLE, "Chromium of " + id
          + " does not answer (" + a.failure() + "); if it stays so, restart it with POST /v1/browsers/" + id + "/restart")));
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
    return chromium.cdp(t.sandboxId(), t.browserPath(), timeout);
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
    return chromium.socket(t.sandboxId(), path.orElse(t.browserPath()), timeout, maxMessage, listener);
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
      throw new BrowserException(Problem.UNAVAILABLE, "Chromium of " + id + " does not answer " + method + " " + path + " (" + e.getMessage()
          + "); if it stays so, restart it with POST /v1/browsers/" + id + "/restart", e);
    }
  }

  public void touch(String id) {
    activity.put(id, Instant.now());
  }

  Map<String, Instant> activity() {
    return activity;
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

  /** Notes the browser path from Chromium's {@code /json/version} answer; returns it. */
  String devtoolsAnswered(String id, tools.jackson.databind.JsonNode version) {
    String path = Chromium.browserPath(version);
    devtoolsPaths.put(id, path);
    return path;
  }

  Events events() {
    return events;
  }

  /** Tells listeners that Chromium of {@code endedGeneration} is gone; {@code now} is already stored. */
  void fireEnded(BrowserSession now, long endedGeneration, String why) {
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

  /** The sandbox of a live session was deleted from under it: the session is closed, its profile not saved. */
  void sandboxGone(BrowserSession b, String why) {
    BrowserSession closed = b.with(BrowserState.CLOSED, Optional.of(why));
    repo.update(closed);
    if (b.profileWriter()) {
      profiles.unlock(b.spec().profile().orElseThrow(), b.id());
    }
    activity.remove(b.id());
    fireEnded(closed, b.generation(), why);
    events.record("browser.closed", b.id(), why);
  }

  /** Chromium refuses a profile whose lock names a live process; the lock of a killed one may name a reused pid. */
  void clearSingletonLocks(String sandboxId) {
    dev.warren.sandbox.SandboxFiles files = sandboxes.files(sandboxId);
    for (String name : List.of("SingletonLock", "SingletonSocket", "SingletonCookie")) {
      try {
        files.delete(Chromium.PROFILE_DIR + "/" + name);
      } catch (WarrenException e) {
        if (e.problem() != Problem.NOT_FOUND) {
          throw e;
        }
      }
    }
  }

  // ---- close, restart

  /** Closes a session: saves its profile when it writes one, removes its sandbox. Idempotent. */
  public void close(String id, String reason) {
    BrowserSession b = get(id);
    if (!b.state().live() && b.state() != BrowserState.CLOSING) {
      return;
    }
    BrowserSession closing = b.with(BrowserState.CLOSING, Optional.of(reason));
    repo.update(closing);
    fireEnded(closing, b.generation(), reason);
    try {
      if (b.profileWriter() && b.sandboxId().isPresent()) {
        saveProfile(b);
      }
    } catch (RuntimeException e) {
      log.warn("cannot save profile {} of {}: {}", b.spec().profile().orElse("?"), id, e.getMessage());
      events.record("browser.profile-not-saved", id, e.getMessage());
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
      if (b.profileWriter()) {
        profiles.unlock(b.spec().profile().orElseThrow(), id);
      }
      activity.remove(id);
      repo.update(b.with(BrowserState.CLOSED, Optional.of(reason)));
      events.record("browser.closed", id, reason);
    }
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

  void saveProfile(BrowserSession b) {
    Sandbox s = sandboxes.get(b.sandboxId().get());
    if (s.state() != dev.warren.sandbox.SandboxState.RUNNING) {
      return;
    }
    // a clean exit writes cookies and local storage to disk
    gracefulExit(b, s);
    run(s.id(), Chromium.packProfile(PROFILE_TAR));
    try (InputStream tar = sandboxes.files(s.id()).read(PROFILE_TAR)) {
      profiles.save(b.spec().profile().get(), tar);
    } catch (java.io.IOException e) {
      throw new BrowserException(Problem.UNAVAILABLE, "cannot read the profile of " + b.id() + ": " + e.getMessage(), e);
    }
    events.record("browser.profile-saved", b.id(), b.spec().profile().get());
  }

  private void gracefulExit(BrowserSession b, Sandbox s) {
    Optional<String> path = chromium.version(s.id(), Duration.ofSeconds(2)).map(Chromium::browserPath);
    if (path.isPresent()) {
      try (CdpClient cdp = chromium.cdp(s.id(), path.get(), Duration.ofSeconds(3))) {
        cdp.call("Browser.close", null, Duration.ofSeconds(5));
      } catch (RuntimeException e) {
        log.debug("Browser.close of {}: {}", b.id(), e.getMessage());
      }
    }
    // a headed Chromium without the sandbox's desktop has a display of its own, which stays; wait for Chromium's processes to end
    int display = !b.spec().headless() && s.spec().desktop().isEmpty() ? 1 : 0;
    for (int i = 0; i < 100 && chromium.processes(s.id(), b.id()) > display; i++) {
      sleep(50);
    }
    chromium.kill(s.id(), b.id());
  }

  /** Starts Chromium again in place (after a crash, or to start afresh), with the same profile directory. */
  public BrowserSession restart(String id) {
    return relaunch.restart(id);
  }

  void markCrashed(BrowserSession b, String why) {
    BrowserSession crashed = b.with(BrowserState.CRASHED, Optional.of(why));
    repo.update(crashed);
    fireEnded(crashed, b.generation(), why);
    events.record("browser.crashed", b.id(), why);
  }

  /** A running sandbox adopted at start-up: closes what an older Warren left open in it, if it is a browser's. */
  public void adopted(Sandbox sandbox) {
    BrowserStartup.closeOldForwarder(this, sandbox);
  }

  /** After a controller start: sessions whose sandbox is gone are closed; the rest are checked by the reaper. */
  public AutoCloseable open() {
    profiles.releaseStale(BrowserStartup.reconcile(this));
    reaper.start();
    pool.refill();
    return () -> {
      pool.close();
      reaper.close();
    };
  }

  @Override
  public void close() {
    reaper.close();
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
