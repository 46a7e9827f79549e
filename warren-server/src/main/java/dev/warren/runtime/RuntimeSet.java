package dev.warren.runtime;

import dev.warren.error.WarrenException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every runtime this build knows, held together for one controller, seen by the layers above as one
 * {@link SandboxRuntime}: each call about a sandbox goes to the runtime that sandbox runs on (the
 * one its row names, told by {@link #owners}), and what concerns all of them (observe, close,
 * uninstall) goes to each. The default runtime ({@code WARREN_RUNTIME}) must work, or start-up
 * fails; the others are made ready beside it and, where their prerequisites are missing (QEMU, the
 * guest kernel), kept unavailable with the reason, which a create naming them is answered with
 * (503). An unavailable runtime is tried again when a create names it, so a kernel built after
 * start-up is used without a restart.
 *
 * <p>Thread-safe. The runtimes are fixed at construction; which sandbox runs where is a concurrent
 * map filled from the store as sandboxes are named.
 */
public final class RuntimeSet implements SandboxRuntime {
  private static final Logger log = LoggerFactory.getLogger(RuntimeSet.class);

  private final String defaultName;
  private final Map<String, SandboxRuntime> runtimes;
  /** name → why it cannot be used; absent once its {@link #init()} worked. */
  private final ConcurrentHashMap<String, String> unavailable = new ConcurrentHashMap<>();
  /** sandbox id → the name of its runtime. */
  private final ConcurrentHashMap<String, String> owners = new ConcurrentHashMap<>();
  private final ReentrantLock initLock = new ReentrantLock();
  /** The checks of the runtimes other than the default, made in the background at {@link #init()}: a start does not wait for them. */
  private final Map<String, java.util.concurrent.CompletableFuture<Void>> checks = new ConcurrentHashMap<>();
  private volatile Function<String, Optional<String>> lookup = id -> Optional.empty();

  private RuntimeSet(String defaultName, Map<String, SandboxRuntime> runtimes) {
    this.defaultName = defaultName;
    this.runtimes = runtimes;
    runtimes.keySet().forEach(n -> unavailable.put(n, "the runtime " + n + " is being checked"));
  }

  /** Makes every known runtime (nothing touched on the host yet), {@code defaultName} the one for sandboxes that name none. */
  public static RuntimeSet open(String defaultName, RuntimeContext context) {
    Map<String, SandboxRuntime> all = new TreeMap<>();
    all.put(defaultName, Runtimes.open(defaultName, context));
    for (String name : Runtimes.names()) {
      if (!all.containsKey(name)) {
        all.put(name, Runtimes.open(name, context));
      }
    }
    return new RuntimeSet(defaultName, java.util.Collections.unmodifiableMap(all));
  }

  /**
   * Where a sandbox not named yet through {@link #assign} is looked up (its row's runtime), for
   * calls about sandboxes made by earlier controllers. Set once by the sandbox service.
   */
  public void lookUpWith(Function<String, Optional<String>> lookup) {
    this.lookup = java.util.Objects.requireNonNull(lookup, "lookup");
  }

  /** Records that the sandbox {@code id} runs on the runtime {@code name}: every call about it goes there. */
  public void assign(String id, String name) {
    if (!runtimes.containsKey(name)) {
      throw new IllegalArgumentException("no runtime named " + name);
    }
    owners.put(id, name);
  }

  public String defaultName() {
    return defaultName;
  }

  /** The runtime names this build knows, sorted. */
  public Set<String> names() {
    return runtimes.keySet();
  }

  /** Each known runtime and why it cannot be used here (empty: available), sorted by name. */
  public Map<String, Optional<String>> availability() {
    Map<String, Optional<String>> out = new LinkedHashMap<>();
    runtimes.keySet().forEach(n -> out.put(n, Optional.ofNullable(unavailable.get(n))));
    return out;
  }

  /**
   * The runtime {@code name}, ready for a new sandbox.
   *
   * @throws WarrenException 400 naming the field {@code runtime} and the known names when there is no such runtime
   * @throws RuntimeUnavailableException (503) saying what is missing when it cannot be used on this host
   */
  public SandboxRuntime require(String name) {
    SandboxRuntime r = runtimes.get(name);
    if (r == null) {
      throw WarrenException.invalid("runtime", "runtime must be one of " + String.join(", ", runtimes.keySet()) + ", got '"
          + name.substring(0, Math.min(80, name.length())) + "'");
    }
    awaitCheck(name);
    if (unavailable.containsKey(name)) {
      initOther(name);
    }
    String why = unavailable.get(name);
    if (why != null) {
      throw new RuntimeUnavailableException("the runtime " + name + " is not available on this host: " + why);
    }
    return r;
  }

  /** The runtime a sandbox runs on: the one it was assigned, else its row's, else (an orphan) the default. */
  public SandboxRuntime of(String id) {
    return runtimes.get(nameOf(id));
  }

  /** The name of the runtime the sandbox {@code id} runs on (see {@link #of}). */
  public String nameOf(String id) {
    String name = owners.get(id);
    if (name != null) {
      return name;
    }
    Optional<String> stored = lookup.apply(id).filter(runtimes::containsKey);
    stored.ifPresent(n -> owners.put(id, n));
    return stored.orElse(defaultName);
  }

  /** The accelerator of the runtime {@code name}'s guests ({@link SandboxRuntime#accel}). */
  public Optional<String> accel(String name) {
    SandboxRuntime r = runtimes.get(name);
    return r == null || unavailable.containsKey(name) ? Optional.empty() : r.accel();
  }

  private SandboxRuntime byDefault() {
    return runtimes.get(defaultName);
  }

  @Override
  public String name() {
    return defaultName;
  }

  /**
   * Prepares the default runtime (failing as it fails), then checks each other one in the background
   * (a start-up does not wait for QEMU's version), keeping why one cannot be used.
   */
  @Override
  public void init() {
    byDefault().init();
    unavailable.remove(defaultName);
    for (String name : runtimes.keySet()) {
      if (!name.equals(defaultName)) {
        var check = new java.util.concurrent.CompletableFuture<Void>();
        checks.put(name, check);
        Thread.ofVirtual().name("warren-runtime-check-" + name).start(() -> {
          try {
            initOther(name);
          } finally {
            check.complete(null);
          }
        });
      }
    }
  }

  /** Waits (bounded) for the background check of {@code name} that {@link #init()} began. */
  private void awaitCheck(String name) {
    var check = checks.get(name);
    if (check == null) {
      return;
    }
    try {
      check.get(2, java.util.concurrent.TimeUnit.MINUTES);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RuntimeUnavailableException("interrupted while checking the runtime " + name, e);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new RuntimeUnavailableException("the runtime " + name + " is still being checked; try again", e);
    }
  }

  private void initOther(String name) {
    initLock.lock();
    try {
      if (!unavailable.containsKey(name)) {
        return;
      }
      runtimes.get(name).init();
      unavailable.remove(name);
      log.info("the runtime {} is available", name);
    } catch (RuntimeException e) {
      unavailable.put(name, e.getMessage());
      log.info("the runtime {} is not available: {}", name, e.getMessage());
    } finally {
      initLock.unlock();
    }
  }

  /** The default runtime's problem: it is the one the controller cannot do without. */
  @Override
  public Optional<String> problem() {
    return byDefault().problem();
  }

  @Override
  public RunningSandbox start(StartSpec spec) {
    return of(spec.id()).start(spec);
  }

  @Override
  public void stop(String id) {
    of(id).stop(id);
  }

  @Override
  public void destroy(String id) {
    of(id).destroy(id);
  }

  @Override
  public void pause(String id) {
    of(id).pause(id);
  }

  @Override
  public void resume(String id) {
    of(id).resume(id);
  }

  @Override
  public boolean paused(String id) {
    return of(id).paused(id);
  }

  @Override
  public void setEnvironment(String id, Map<String, String> env) {
    of(id).setEnvironment(id, env);
  }

  @Override
  public LayerCapture captureLayer(String id, Path target) {
    return of(id).captureLayer(id, target);
  }

  @Override
  public void flattenLayers(List<Lower> lowers, Path target) {
    byDefault().flattenLayers(lowers, target);
  }

  /**
   * What every runtime shows; a sandbox no row names yet (an orphan) is recorded as the one whose
   * runtime shows it. A runtime that is not available here and cannot look is left out (its
   * sandboxes, if any, are then seen as vanished).
   */
  @Override
  public List<Observed> observe() {
    List<Observed> all = new ArrayList<>();
    for (var e : runtimes.entrySet()) {
      List<Observed> seen;
      try {
        seen = e.getValue().observe();
      } catch (RuntimeException failure) {
        if (e.getKey().equals(defaultName) || !unavailable.containsKey(e.getKey())) {
          throw failure;
        }
        log.debug("the unavailable runtime {} cannot list its sandboxes: {}", e.getKey(), failure.getMessage());
        continue;
      }
      for (Observed o : seen) {
        owners.putIfAbsent(o.id(), e.getKey());
        all.add(o);
      }
    }
    return all;
  }

  @Override
  public Optional<RunningSandbox> running(String id) {
    return of(id).running(id);
  }

  @Override
  public Guest guest(String id) {
    return of(id).guest(id);
  }

  @Override
  public Optional<Usage> usage(String id) {
    return of(id).usage(id);
  }

  @Override
  public Optional<HostVolumes> volumes() {
    return byDefault().volumes();
  }

  @Override
  public Optional<String> accel() {
    return byDefault().accel();
  }

  /** The default runtime's; a sandbox's own are {@code capabilities(id)}. */
  @Override
  public Set<Capability> capabilities() {
    return byDefault().capabilities();
  }

  @Override
  public Set<Capability> capabilities(String id) {
    return of(id).capabilities();
  }

  /** Uninstalls each runtime that was made ready, the default last. */
  @Override
  public void uninstall() {
    checks.keySet().forEach(this::awaitCheck);
    RuntimeException failed = null;
    List<String> order = new ArrayList<>(runtimes.keySet());
    order.remove(defaultName);
    order.add(defaultName);
    for (String name : order) {
      if (unavailable.containsKey(name)) {
        continue;
      }
      try {
        runtimes.get(name).uninstall();
      } catch (RuntimeException e) {
        if (failed == null) {
          failed = e;
        } else {
          failed.addSuppressed(e);
        }
      }
    }
    if (failed != null) {
      throw failed;
    }
  }

  @Override
  public void close() {
    for (SandboxRuntime r : runtimes.values()) {
      r.close();
    }
  }
}
