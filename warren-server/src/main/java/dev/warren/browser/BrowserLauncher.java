package dev.warren.browser;

import dev.warren.error.Ids;
import dev.warren.error.Problem;
import dev.warren.error.WarrenException;
import dev.warren.runtime.ExecResult;
import dev.warren.runtime.ExecSpec;
import dev.warren.sandbox.Sandbox;
import dev.warren.sandbox.SandboxService;
import dev.warren.sandbox.SandboxSpec;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chromium in a session's sandbox: a new session's sandbox made and Chromium launched in it until
 * DevTools answers, its profile copied in before and saved out after a clean exit, its stale
 * singleton locks cleared. Used by {@link BrowserService} (create, the pool, close) and {@link BrowserRelaunch} (restarts). Holds no state of
 * its own (the DevTools path it learns goes to {@link BrowserLifecycle}); thread-safe. The caller
 * makes sure one thread at a time works on a session's Chromium (a create owns its new session;
 * relaunches and closes hold the session's lock or end it).
 */
final class BrowserLauncher {
  private static final Logger log = LoggerFactory.getLogger(BrowserLauncher.class);
  static final Duration READY_WAIT = Duration.ofSeconds(20);
  /** Where a profile's tar is put in the sandbox on its way in and out. */
  private static final String PROFILE_TAR = "/var/lib/warren/browser/profile.tar";

  private final SandboxService sandboxes;
  private final Chromium chromium;
  private final Profiles profiles;
  private final BrowserLifecycle lifecycle;
  private final BrowserRepository repo;
  private final String proxyUrl;
  private final dev.warren.runtime.Limits limits;

  BrowserLauncher(SandboxService sandboxes, Chromium chromium, Profiles profiles, BrowserLifecycle lifecycle, String proxyUrl,
      dev.warren.runtime.Limits limits) {
    this.sandboxes = sandboxes;
    this.chromium = chromium;
    this.profiles = profiles;
    this.lifecycle = lifecycle;
    this.repo = lifecycle.repository();
    this.proxyUrl = proxyUrl;
    this.limits = limits;
  }

  /**
   * Starts a session: its row, its sandbox, its profile, Chromium, then the row says ready (or
   * pooled). {@code claimed} hears the id once the row exists. On failure every part is undone and
   * the row says closed.
   */
  BrowserSession start(BrowserSpec spec, boolean pooled, java.util.function.Consumer<String> claimed) {
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
      sandbox = sandboxes.create(new SandboxSpec(BrowserService.IMAGE, Map.of(), Map.of(BrowserService.LABEL, id), limits, spec.egress(),
          Duration.ZERO, desktop), Optional.empty());
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
        lifecycle.readied(ready);
        lifecycle.touch(id);
        lifecycle.events().record("browser.created", id, spec.key().map(k -> "key " + k + ", ").orElse("") + "sandbox " + sandbox.id());
      }
      return ready;
    } catch (RuntimeException e) {
      String why = e.getMessage();
      lifecycle.startFailed(id);
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
    lifecycle.devtoolsPath(b.id(), path);
    log.debug("Chromium of {}: spawned in {} ms, DevTools answered {} ms later", b.id(), (t1 - t0) / 1_000_000,
        (System.nanoTime() - t1) / 1_000_000);
    if (chromium.fitted(b.spec())) {
      // launched at the right size: the check need not hold up the session
      Thread.ofVirtual().name("fit-" + b.id()).start(() -> chromium.fitViewport(sandbox.id(), b.spec(), path));
    } else {
      chromium.fitViewport(sandbox.id(), b.spec(), path);
    }
  }

  /** Kills what is left of the session's last Chromium and the locks it left, then launches the next. */
  void relaunch(BrowserSession b, Sandbox sandbox) {
    chromium.kill(sandbox.id(), b.id());
    clearSingletonLocks(sandbox.id());
    launch(b, sandbox);
  }

  void loadProfile(Sandbox sandbox, BrowserSpec spec) {
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

  /** Chromium refuses a profile whose lock names a live process; the lock of a killed one may name a reused pid. */
  private void clearSingletonLocks(String sandboxId) {
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

  /** Saves the profile of a session that writes one: Chromium exits cleanly, its profile directory goes to the store. */
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
    lifecycle.events().record("browser.profile-saved", b.id(), b.spec().profile().get());
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
      BrowserService.sleep(50);
    }
    chromium.kill(s.id(), b.id());
  }
}
