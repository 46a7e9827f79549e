package dev.warren.sandbox;

import dev.warren.config.Config;
import dev.warren.error.Ids;
import dev.warren.error.Problem;
import dev.warren.events.Events;
import dev.warren.image.Image;
import dev.warren.image.ImageException;
import dev.warren.image.Images;
import dev.warren.net.EgressProxy;
import dev.warren.net.Network;
import dev.warren.runtime.ExecResult;
import dev.warren.runtime.ExecSpec;
import dev.warren.runtime.RuntimeUnavailableException;
import dev.warren.runtime.RuntimeSet;
import dev.warren.runtime.SandboxRuntime;
import dev.warren.runtime.SandboxRuntimeException;
import dev.warren.runtime.StartSpec;
import dev.warren.store.Store;
import java.net.Inet4Address;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sandbox aggregate's operations. Every state change is written to the store before the call
 * returns; the runtime is asked only after the intent (a transient state) is stored, so a crash
 * midway is finished or undone by {@link Reconciler} at the next start.
 *
 * <p>Thread-safe: called on API request threads. Operations on one sandbox are serialised by its
 * lock, held in {@link SandboxLifecycle} together with the transitions the background parts
 * ({@link Reconciler}, {@link IdleReaper}, {@link SandboxWatcher}) share with this class; different
 * sandboxes proceed in parallel. This class owns creating and starting (images, indexes and addresses, the
 * environment) and the work inside a running sandbox (exec, files), which resumes a paused one
 * first unless the caller opts out ({@link #ready}).
 */
public final class SandboxService {
  private static final Logger log = LoggerFactory.getLogger(SandboxService.class);

  private final Config config;
  private final SandboxRepository repo;
  private final Store store;
  private final RuntimeSet runtime;
  private final Network network;
  private final Images images;
  private final Events events;
  private final dev.warren.net.EgressGuard egressGuard;
  private final SandboxLifecycle lifecycle;
  /** Completed once the controller serves (or closes): the background reconciliation waits for it. */
  private final java.util.concurrent.CompletableFuture<Void> serving = new java.util.concurrent.CompletableFuture<>();
  private final ReentrantLock allocation = new ReentrantLock();
  private final SnapshotBases snapshots;
  private final SandboxPool pool;
  private final PoolHandOver handOver;

  public SandboxService(Config config, Store store, RuntimeSet runtime, Network network, Images images, Events events,
      dev.warren.net.EgressGuard egressGuard) {
    this(config, store, runtime, network, images, events, egressGuard, SnapshotBases.NONE);
  }

  /** Sandboxes that may start from the snapshots of {@code snapshots}. */
  public SandboxService(Config config, Store store, RuntimeSet runtime, Network network, Images images, Events events,
      dev.warren.net.EgressGuard egressGuard, SnapshotBases snapshots) {
    this.snapshots = snapshots;
    this.config = config;
    this.egressGuard = egressGuard;
    this.store = store;
    this.repo = new SandboxRepository(store);
    this.runtime = runtime;
    this.network = network;
    this.images = images;
    this.events = events;
    // a sandbox's calls go to the runtime its row names (assigned at create, looked up for older ones)
    runtime.lookUpWith(id -> repo.find(id).flatMap(s -> s.spec().runtime()));
    this.lifecycle = new SandboxLifecycle(repo, runtime, events);
    this.pool = new SandboxPool(config.sandboxPool(), defaultLimits(config.sandboxDefaults()), repo);
    this.handOver = new PoolHandOver(pool, lifecycle, store, allocation, config.maxSandboxes(), this::environment);
  }

  /** The limits of a create that gives none: the shape of the warm pool's sandboxes. */
  public static dev.warren.runtime.Limits defaultLimits(Config.SandboxDefaults d) {
    return new dev.warren.runtime.Limits(d.memoryMb(), d.pids(), d.cpus(), d.diskMb(), dev.warren.runtime.Limits.defaultInodes(d.diskMb()));
  }

  /** The warm pool (empty when {@code WARREN_SANDBOX_POOL} is not set): for the metrics and the ops view. */
  public SandboxPool pool() {
    return pool;
  }

  /**
   * Reconciles the store with what runs (the running sandboxes adopted now, the rest finished in
   * the background under their locks: see {@link Reconciler}), then starts the idle reaper and the
   * watcher that notices sandboxes killed from outside. Called once at start-up, before the API
   * accepts requests; returns what the caller closes to stop both (it waits, bounded, for the
   * background reconciliation first, so that it does not outlive the store).
   */
  public AutoCloseable open() {
    checkPool();
    int older = repo.fillRuntime(runtime.defaultName());
    if (older > 0) {
      log.info("{} sandboxes made before sandboxes named their runtime run on {} (WARREN_RUNTIME)", older, runtime.defaultName());
    }
    java.util.concurrent.CompletableFuture<Reconciler.Report> reconciled = new Reconciler(lifecycle, serving).run();
    IdleReaper reaper = new IdleReaper(lifecycle, config.idleCheckInterval());
    reaper.start();
    SandboxWatcher watcher = new SandboxWatcher(lifecycle);
    watcher.start();
    pool.start(new PoolKeeper(), serving);
    return () -> {
      pool.close();
      watcher.close();
      reaper.close();
      // a start that failed before it served: what the reconciliation holds is finished before the store closes
      serving.complete(null);
      try {
        reconciled.get(SandboxLifecycle.LOCK_WAIT_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        log.warn("closing while the reconciliation in the background is not over: {}", e.toString());
      }
    };
  }

  /**
   * Tells the reconciliation {@link #open} left in the background that the controller serves: it
   * finishes the interrupted operations now, no longer competing with the start for CPUs and the
   * store (their sandboxes stay locked meanwhile, so a call on one waits for it).
   */
  public void serving() {
    serving.complete(null);
  }

  /** Whether a sandbox a listener is told is stopping will start again at once (a restart). */
  public static boolean isRestart(Sandbox stopping) {
    return SandboxLifecycle.isRestart(stopping);
  }

  /** Tells {@code l} of every start and stop from now on, on the thread making it (see {@link SandboxLifecycle}). */
  public void addListener(SandboxListener l) {
    lifecycle.addListener(l);
  }

  // ---- queries

  /**
   * A sandbox, not deleting. One that a restart's reconciliation still settles in the background
   * is answered once it is at rest (a wait bounded like a lock's); the others at once.
   */
  public Sandbox get(String id) {
    if (!Ids.looksLike("sbx", id)) {
      throw SandboxException.notFound(id);
    }
    lifecycle.awaitSettled(id);
    // the pool's sandboxes are nobody's: unknown to every caller until one is handed over
    return repo.findOwned(id).filter(s -> s.state() != SandboxState.DELETING).orElseThrow(() -> SandboxException.notFound(id));
  }

  /** The sandboxes (not deleting); waits, bounded, until none shows a state a restart left behind. */
  public List<Sandbox> list(Map<String, String> labels, Optional<SandboxState> state) {
    lifecycle.awaitShownSettled();
    return repo.listOwned(labels, state).stream().filter(s -> s.state() != SandboxState.DELETING).toList();
  }

  /**
   * The sandboxes (not deleting) as stored now, without waiting: some may be in a state a restart
   * left, still being settled in the background ({@link #settling}). For start-up work that acts
   * on each through the operations here, which wait for its lock.
   */
  public List<Sandbox> listAsStored(Map<String, String> labels) {
    return repo.listOwned(labels, Optional.empty()).stream().filter(s -> s.state() != SandboxState.DELETING).toList();
  }

  /** Whether a restart's reconciliation still works on the sandbox {@code id} in the background (an operation on it waits). */
  public boolean settling(String id) {
    return lifecycle.isSettling(id);
  }

  /** The egress proxy's view of the sandboxes: who connects, and which other sandboxes each may reach. */
  public EgressProxy.Clients egressClients() {
    return new SandboxDoors(lifecycle);
  }

  // ---- create

  public Sandbox create(SandboxSpec spec, Optional<dev.warren.store.IdempotencyKey> idempotencyKey) {
    return createOrClaim(spec, idempotencyKey).sandbox();
  }

  /**
   * What a create answered: the sandbox, and whether this call handed it out from the warm pool
   * ({@code pooled}) rather than creating it.
   */
  public record Created(Sandbox sandbox, boolean pooled) {}

  /**
   * Creates a sandbox, or hands one out from the warm pool when {@code spec} matches it
   * ({@link SandboxPool#matches}): the same checks and answers either way, the caller's spec
   * (environment, labels, egress, idle policy) applied to the pooled sandbox before its row says
   * it is the caller's.
   */
  public Created createOrClaim(SandboxSpec spec, Optional<dev.warren.store.IdempotencyKey> idempotencyKey) {
    pool.userCreateBegins();
    try {
      return createOrClaimCounted(spec, idempotencyKey);
    } finally {
      pool.userCreateEnds();
    }
  }

  private Created createOrClaimCounted(SandboxSpec spec, Optional<dev.warren.store.IdempotencyKey> idempotencyKey) {
    checkEgress(spec.egress());
    String runtimeName = spec.runtime().orElse(runtime.defaultName());
    SandboxRuntime chosen;
    try {
      chosen = runtime.require(runtimeName);
    } catch (RuntimeUnavailableException e) {
      throw new SandboxException(Problem.UNAVAILABLE, e.getMessage(), e);
    }
    spec = spec.withRuntime(runtimeName);
    var capabilities = chosen.capabilities();
    if (spec.limits().hasDisk() && !capabilities.contains(dev.warren.runtime.Capability.DISK_LIMITS)) {
      throw SandboxException.invalidField("limits.diskMb", "the runtime " + runtimeName + " has no per-sandbox disks; leave limits.diskMb out");
    }
    if (spec.idleAction() == IdleAction.PAUSE && !capabilities.contains(dev.warren.runtime.Capability.PAUSE)) {
      throw SandboxException.invalidField("idleAction", "the runtime " + runtimeName + " cannot pause sandboxes; use idleAction \"stop\"");
    }
    if (!spec.volumes().isEmpty() && chosen.volumes().isEmpty()) {
      throw SandboxException.invalidField("volumes", "the runtime " + runtimeName + " has no volumes; leave volumes out");
    }
    if (spec.snapshot().isPresent() && !capabilities.contains(dev.warren.runtime.Capability.FILESYSTEM_SNAPSHOT)) {
      throw SandboxException.invalidField("snapshot", "the runtime " + runtimeName + " cannot start from a snapshot's files yet; leave snapshot out");
    }
    if (runtimeName.equals(runtime.defaultName()) && pool.matches(spec)) {
      Image image = image(spec.image());
      Optional<Created> claimed = handOver.claim(spec, image, idempotencyKey);
      if (claimed.isPresent()) {
        return claimed.get();
      }
      pool.missed(spec.image());
      return new Created(create(spec, image, idempotencyKey), false);
    }
    try (SnapshotBases.Lease base = spec.snapshot().map(snapshots::lease).orElse(null)) {
      Image image;
      if (base == null) {
        image = image(spec.image());
      } else {
        spec = fromSnapshot(spec, base.base());
        image = snapshotImage(base.base());
      }
      return new Created(create(spec, image, idempotencyKey), false);
    }
  }

  /** The spec naming the snapshot by its id; 400 naming {@code image} when the caller asked for another image than the snapshot's. */
  private static SandboxSpec fromSnapshot(SandboxSpec spec, SnapshotBases.Base base) {
    if (!spec.image().equals(base.imageName())) {
      throw SandboxException.invalidField("image", "snapshot " + base.snapshotId() + " is of image " + base.imageName() + ", not "
          + spec.image() + "; leave image out");
    }
    return spec.fromSnapshot(base.snapshotId(), Map.of());
  }

  private Image snapshotImage(SnapshotBases.Base base) {
    return images.find(base.imageName(), base.imageDigest()).orElseThrow(() -> new SandboxException(Problem.IMAGE_NOT_BUILT,
        "snapshot " + base.snapshotId() + " was made over image " + base.imageName() + " " + base.imageDigest() + ", which is no longer on disk"));
  }

  /** Whether {@code image} names a built-in recipe's image (which has bash and the desktop tools where its recipe says). */
  public boolean builtInImage(String image) {
    return images.recipes().stream().anyMatch(r -> r.name().equals(image));
  }

  /** The rootfs of the image {@code name} at {@code digest}; 422 when it is no longer on disk. */
  public java.nio.file.Path imageRootfs(String name, String digest) {
    return images.find(name, digest).orElseThrow(() -> new SandboxException(Problem.IMAGE_NOT_BUILT,
        "image " + name + " " + digest + " is no longer on disk")).rootfs();
  }

  /** The image a sandbox from the snapshot {@code idOrName} runs: the snapshot's (400 naming {@code snapshot} when there is none). */
  public String imageOfSnapshot(String idOrName) {
    try (SnapshotBases.Lease base = snapshots.lease(idOrName)) {
      return base.base().imageName();
    }
  }

  private Sandbox create(SandboxSpec spec, Image image, Optional<dev.warren.store.IdempotencyKey> idempotencyKey) {
    return create(spec, image, idempotencyKey, false);
  }

  /** Creates and starts a sandbox; one of the warm pool's, nobody's, when {@code pooled}. */
  private Sandbox create(SandboxSpec requested, Image image, Optional<dev.warren.store.IdempotencyKey> idempotencyKey, boolean pooled) {
    if (requested.desktop().isPresent()) {
      requireDesktopTools(image);
    }
    String requestHash = dev.warren.store.IdempotencyKey.requestHash(SandboxRepository.specJson(requested));
    String id = Ids.next("sbx");
    // an imported image's environment (its config's Env) is recorded with the sandbox: a later import of the tag changes nothing here
    SandboxSpec spec = requested.withEnvDefaults(images.config(image.name(), image.digest()).env());
    // held from before its row exists: a row saying creating whose lock is free belongs to a create that
    // failed without recording it (the store unavailable at that moment), which the watcher then undoes
    try (var held = lifecycle.hold(id)) {
      Sandbox sandbox;
      allocation.lock();
      try {
        if (idempotencyKey.isPresent()) {
          Optional<Sandbox> earlier = repo.byIdempotencyKey(idempotencyKey.get(), requestHash);
          if (earlier.isPresent()) {
            return earlier.get();
          }
        }
        sandbox = store.write(h -> {
          if (!pooled && repo.count(h) >= config.maxSandboxes()) {
            throw new SandboxException(Problem.LIMIT_EXCEEDED, "this Warren runs at most " + config.maxSandboxes()
                + " sandboxes (WARREN_MAX_SANDBOXES); delete some first");
          }
          Set<Integer> used = new HashSet<>(repo.usedSlots(h));
          int slot = 0;
          while (used.contains(slot)) {
            slot++;
          }
          Instant now = Instant.now();
          Sandbox s = new Sandbox(id, SandboxState.CREATING, Optional.empty(), spec, image.digest(), 1, slot,
              network.address(slot).getHostAddress(), now, Optional.empty(), Optional.empty(), now);
          runtime.assign(id, spec.runtime().orElse(runtime.defaultName()));
          repo.insert(h, s, pooled);
          idempotencyKey.ifPresent(k -> SandboxRepository.rememberKey(h, k, requestHash, s.id(), now));
          return s;
        });
      } finally {
        allocation.unlock();
      }
      try {
        return boot(sandbox, image, pooled ? "pooled" : "created");
      } catch (RuntimeException e) {
        // a sandbox that never ran is not worth keeping: remove every trace, report why
        try {
          runtime.destroy(sandbox.id());
          repo.delete(sandbox.id());
        } catch (RuntimeException cleanup) {
          e.addSuppressed(cleanup);
          try {
            repo.update(sandbox.with(SandboxState.FAILED, Optional.of("could not start: " + e.getMessage())));
          } catch (RuntimeException unrecorded) {
            // the store is unavailable: the row still says creating, and the watcher undoes it once the store is back
            e.addSuppressed(unrecorded);
          }
        }
        try {
          events.record("sandbox.create-failed", sandbox.id(), e.getMessage());
        } catch (RuntimeException unrecorded) {
          e.addSuppressed(unrecorded);
        }
        throw asSandboxException("create", sandbox.id(), e);
      }
    }
  }

  // ---- the warm pool

  /** Refuses to start (naming WARREN_SANDBOX_POOL) with a pool of an image that has no recipe, or on a runtime that cannot hand one out. */
  private void checkPool() {
    Map<String, Integer> targets = pool.targets();
    if (targets.isEmpty()) {
      return;
    }
    if (!runtime.capabilities().contains(dev.warren.runtime.Capability.ENVIRONMENT)) {
      throw new dev.warren.config.ConfigException("WARREN_SANDBOX_POOL: the runtime " + runtime.name()
          + " cannot give a running sandbox its caller's environment, so it has no warm pool; leave WARREN_SANDBOX_POOL empty");
    }
    Set<String> known = new HashSet<>();
    images.recipes().forEach(r -> known.add(r.name()));
    images.list().forEach(i -> known.add(i.name()));
    for (var e : targets.entrySet()) {
      if (!known.contains(e.getKey())) {
        throw new dev.warren.config.ConfigException("WARREN_SANDBOX_POOL: unknown image '" + e.getKey() + "' in '" + e.getKey() + "="
            + e.getValue() + "'; known images: " + String.join(", ", new java.util.TreeSet<>(known)));
      }
    }
  }

  /** The pool's side of this service: its sandboxes made and deleted like any other, as nobody's. */
  private final class PoolKeeper implements SandboxPool.Keeper {
    @Override
    public Sandbox createPooled(String imageName) {
      return create(pool.spec(imageName).withRuntime(runtime.defaultName()), image(imageName), Optional.empty(), true);
    }

    @Override
    public Optional<String> currentDigest(String imageName) {
      try {
        return Optional.of(images.require(imageName).digest());
      } catch (RuntimeException e) {
        return Optional.empty();
      }
    }

    @Override
    public boolean deletePooled(String id, String why) {
      boolean[] gone = {false};
      try {
        lifecycle.tryLocked(id, () -> repo.findPooled(id).ifPresent(s -> {
          lifecycle.deleteLocked(s);
          gone[0] = true;
        }));
      } catch (RuntimeException e) {
        log.warn("cannot delete pooled sandbox {} ({}): {}", id, why, e.getMessage());
      }
      return gone[0];
    }
  }

  /**
   * Refuses (400 naming {@code egress.upstreamProxy}) a policy whose upstream proxy is on Warren's
   * host or networks: here, at create, not at the sandbox's first connection.
   */
  public void checkEgress(dev.warren.net.EgressPolicy egress) {
    try {
      egressGuard.checkUpstreamProxy(egress);
    } catch (IllegalArgumentException e) {
      throw SandboxException.invalidField("egress.upstreamProxy", e.getMessage());
    }
    for (String id : egress.reachedSandboxes()) {
      if (repo.findOwned(id).filter(s -> s.state() != SandboxState.DELETING).isEmpty()) {
        throw SandboxException.invalidField("egress.reach", "egress.reach names sandbox " + id + ", which does not exist");
      }
    }
  }

  private static void requireDesktopTools(Image image) {
    for (String tool : List.of("Xvfb", "x11vnc")) {
      if (!java.nio.file.Files.isRegularFile(image.rootfs().resolve("usr/bin/" + tool))) {
        throw SandboxException.invalidField("desktop", "image " + image.name() + " has no " + tool
            + " (a desktop needs Xvfb and x11vnc; the browser image has both)");
      }
    }
  }

  private Image image(String name) {
    try {
      return images.require(name);
    } catch (dev.warren.image.BackgroundBuilds.BeingBuilt e) {
      throw new SandboxException(Problem.UNAVAILABLE, e.getMessage(), e);
    } catch (ImageException e) {
      boolean known = images.recipes().stream().anyMatch(r -> r.name().equals(name));
      if (!known) {
        throw SandboxException.invalidField("image", e.getMessage());
      }
      throw new SandboxException(Problem.IMAGE_NOT_BUILT, e.getMessage(), e);
    }
  }

  /** Starts generation {@code s.generation()} and stores it as running. Caller holds the lock. */
  private Sandbox boot(Sandbox s, Image image, String verb) {
    long t0 = System.nanoTime();
    List<dev.warren.runtime.Lower> lowers = s.spec().snapshot().map(snapshots::base).map(b -> b.lowers(image.rootfs()))
        .orElse(List.of(dev.warren.runtime.Lower.tree(image.rootfs())));
    StartSpec start = new StartSpec(s.id(), image, s.slot(), (Inet4Address) network.address(s.slot()), s.generation(),
        environment(s), s.spec().limits(), lowers, s.spec().volumes());
    runtime.start(start);
    Instant now = Instant.now();
    // the address follows the slot on this instance's subnet (a restored store may carry another host's)
    Sandbox running = new Sandbox(s.id(), SandboxState.RUNNING, Optional.empty(), s.spec(), s.imageDigest(), s.generation(),
        s.slot(), start.address().getHostAddress(), s.createdAt(), Optional.of(now), Optional.empty(), now);
    lifecycle.markRunning(running, now);
    events.record("sandbox." + verb, s.id(), "generation " + s.generation() + " running at " + running.address(),
        java.time.Duration.ofNanos(System.nanoTime() - t0));
    return running;
  }

  /** The environment of every process in the sandbox: defaults, the caller's env, then Warren's. */
  Map<String, String> environment(Sandbox s) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    env.put("HOME", "/root");
    env.put("LANG", "C.UTF-8");
    env.put("TERM", "xterm-256color");
    env.putAll(s.spec().env());
    String proxy = "http://" + network.gateway().getHostAddress() + ":" + config.proxyPort();
    for (String k : List.of("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")) {
      env.put(k, proxy);
    }
    env.put("NO_PROXY", "localhost,127.0.0.1,::1");
    env.put("no_proxy", "localhost,127.0.0.1,::1");
    env.put("WARREN_SANDBOX_ID", s.id());
    env.put("WARREN_GENERATION", Long.toString(s.generation()));
    return env;
  }

  // ---- life cycle

  public Sandbox stop(String id) {
    return lifecycle.locked(id, () -> lifecycle.stopLocked(get(id), "stopped", Optional.empty()));
  }

  public Sandbox start(String id) {
    return lifecycle.locked(id, () -> startLocked(get(id)));
  }

  private Sandbox startLocked(Sandbox s) {
    switch (s.state()) {
      case RUNNING -> {
        return s;
      }
      case PAUSED -> {
        // running is what a start asks for: its processes go on where they were
        return lifecycle.resumeLocked(s, "resumed by a start");
      }
      case STOPPED, FAILED -> {
        // fall through to boot
      }
      default -> throw SandboxException.wrongState(s, "start", "wait until it is stopped or running");
    }
    Image image = images.find(s.spec().image(), s.imageDigest()).orElseThrow(() -> new SandboxException(Problem.IMAGE_NOT_BUILT,
        "sandbox " + s.id() + " was made from image " + s.spec().image() + " " + s.imageDigest() + ", which is no longer on disk"));
    Sandbox starting = new Sandbox(s.id(), SandboxState.STARTING, Optional.empty(), s.spec(), s.imageDigest(), s.generation() + 1,
        s.slot(), s.address(), s.createdAt(), s.startedAt(), s.stoppedAt(), s.lastActivityAt());
    repo.update(starting);
    try {
      return boot(starting, image, "started");
    } catch (RuntimeException e) {
      Sandbox failed = starting.with(SandboxState.FAILED, Optional.of("start failed: " + e.getMessage()));
      try {
        runtime.stop(s.id());
      } catch (RuntimeException cleanup) {
        e.addSuppressed(cleanup);
      }
      repo.update(failed);
      events.record("sandbox.start-failed", s.id(), e.getMessage());
      throw asSandboxException("start", s.id(), e);
    }
  }

  public Sandbox restart(String id) {
    return lifecycle.locked(id, () -> {
      Sandbox s = get(id);
      if (s.state() == SandboxState.RUNNING || s.state() == SandboxState.PAUSED) {
        s = lifecycle.stopLocked(s, "stopped", Optional.of(SandboxLifecycle.RESTARTING));
      }
      return startLocked(s);
    });
  }

  public void delete(String id) {
    lifecycle.locked(id, () -> {
      lifecycle.deleteLocked(get(id));
      return null;
    });
  }

  /**
   * Freezes every process of a running sandbox (memory, open files, address and sessions kept, no
   * CPU used); a paused one is answered as it is. 409 for any other state, or when the runtime
   * cannot pause.
   */
  public Sandbox pause(String id) {
    return pause(id, Optional.empty());
  }

  /** Like {@link #pause(String)}, with the reason stored with the sandbox and its event. */
  public Sandbox pause(String id, Optional<String> reason) {
    requirePause(id);
    return lifecycle.locked(id, () -> lifecycle.pauseLocked(get(id), reason));
  }

  /** Thaws a paused sandbox; a running one is answered as it is. 409 for any other state. */
  public Sandbox resume(String id) {
    return resume(id, "resumed");
  }

  /** Like {@link #resume(String)}, with {@code why} recorded with the event. */
  public Sandbox resume(String id, String why) {
    requirePause(id);
    return lifecycle.locked(id, () -> lifecycle.resumeLocked(get(id), why));
  }

  /**
   * Time {@code id} has spent paused so far (this controller's view: pauses since it started, and
   * the one it found at start-up), so that what counts running time leaves it out.
   */
  public Duration pausedTime(String id) {
    return Duration.ofNanos(lifecycle.pausedNanos(id));
  }

  /** Whether {@code id} is paused now (by this controller's record of its pauses and resumes). */
  public boolean pausedNow(String id) {
    return lifecycle.pausedNow(id);
  }

  /** Whether the default runtime can freeze sandboxes (pause and resume). */
  public boolean canPause() {
    return runtime.capabilities().contains(dev.warren.runtime.Capability.PAUSE);
  }

  /** The default runtime's name, as {@code WARREN_RUNTIME} says it. */
  public String runtimeName() {
    return runtime.name();
  }

  /** The accelerator a sandbox's guest runs under ({@code kvm}, {@code tcg}), for runtimes with virtual machines. */
  public Optional<String> accel(Sandbox s) {
    return runtime.accel(s.spec().runtime().orElse(runtime.defaultName()));
  }

  /** Each runtime this build knows, and why it cannot be used on this host (empty: it can), with its accelerator. */
  public Map<String, Optional<String>> runtimes() {
    return runtime.availability();
  }

  /** The accelerator of the runtime {@code name}'s guests, when it runs virtual machines. */
  public Optional<String> runtimeAccel(String name) {
    return runtime.accel(name);
  }

  private void requirePause(String id) {
    if (!runtime.capabilities(id).contains(dev.warren.runtime.Capability.PAUSE)) {
      throw new SandboxException(Problem.CONFLICT, "cannot pause or resume sandbox " + id + ": the runtime " + runtime.nameOf(id)
          + " cannot freeze sandboxes; stop it instead (POST /v1/sandboxes/" + id + "/stop)");
    }
  }

  /**
   * Runs {@code work} with the files of the sandbox {@code id} holding still and its lock held: a
   * running sandbox's processes are frozen (and thawed after, also when {@code work} fails), a
   * paused one stays paused, a stopped one stays stopped (nothing runs in it, and it cannot start
   * meanwhile). 409 in any other state ({@link #requireStill}).
   */
  public <T> T still(String id, String action, java.util.function.Function<Sandbox, T> work) {
    return lifecycle.locked(id, () -> {
      Sandbox s = requireStill(get(id), action);
      boolean thaw = s.state() == SandboxState.RUNNING;
      if (thaw) {
        runtime.pause(id);
      }
      try {
        return work.apply(s);
      } finally {
        if (thaw) {
          runtime.resume(id);
        }
      }
    });
  }

  /**
   * {@code s} when its files can be held still for {@code action} ({@link #still}): it is running,
   * paused or stopped; else 409 saying its state and what to do.
   */
  public static Sandbox requireStill(Sandbox s, String action) {
    String todo = switch (s.state()) {
      case RUNNING, PAUSED, STOPPED -> null;
      case CREATING, STARTING -> "wait until it is running, then try again";
      case STOPPING -> "wait until it is stopped, then try again";
      case FAILED -> "start it (POST /v1/sandboxes/" + s.id() + "/start) or delete it; a failed sandbox's files are not captured";
      case DELETING -> "it is being deleted";
    };
    if (todo != null) {
      throw SandboxException.wrongState(s, action, "only a running, paused or stopped sandbox can be; " + todo);
    }
    return s;
  }

  // ---- work inside

  /** A sandbox ready for work inside: running, and whether this call had to resume it. */
  public record Ready(Sandbox sandbox, boolean resumed) {}

  /**
   * A running sandbox, or 409 saying what state it is in; a paused one is resumed first
   * (auto-resume). Counts as activity.
   */
  public Sandbox requireRunning(String id, String action) {
    return ready(id, action, true).sandbox();
  }

  /**
   * A running sandbox for {@code action}, or 409 saying what state it is in. A paused one is
   * resumed first when {@code resume}, else 409 saying it is paused (a caller's {@code resume=false}).
   * The common case, a running sandbox, costs one read of its row and takes no lock. Counts as activity.
   */
  public Ready ready(String id, String action, boolean resume) {
    Sandbox s = get(id);
    boolean resumed = false;
    if (s.state() == SandboxState.PAUSED) {
      if (!resume) {
        throw SandboxException.wrongState(s, action, "resume it first (POST /v1/sandboxes/" + id
            + "/resume), or leave out resume=false to let this call resume it");
      }
      Ready r = lifecycle.locked(id, () -> {
        Sandbox now = get(id);
        return now.state() == SandboxState.PAUSED ? new Ready(lifecycle.resumeLocked(now, "resumed to " + action + " it"), true) : new Ready(now, false);
      });
      s = r.sandbox();
      resumed = r.resumed();
    }
    if (s.state() != SandboxState.RUNNING) {
      throw SandboxException.wrongState(s, action, "start it first (POST /v1/sandboxes/" + id + "/start)");
    }
    touch(id);
    return new Ready(s, resumed);
  }

  public ExecResult exec(String id, ExecSpec spec) {
    return exec(id, spec, true).result();
  }

  /**
   * {@code spec} as a caller's command in the sandbox runs: in its image's working directory unless
   * it names one, and as its image's user (a USER of a built or imported image), started through
   * setpriv; 400 naming {@code image} when the image's user is not in its /etc/passwd.
   */
  public ExecSpec asImageUser(String id, ExecSpec spec) {
    Sandbox s = get(id);
    dev.warren.image.ImageConfig c = images.config(s.spec().image(), s.imageDigest());
    ExecSpec out = spec;
    if (spec.cwd().isEmpty() && !c.workingDir().isEmpty()) {
      out = new ExecSpec(out.argv(), out.env(), Optional.of(c.workingDir()), out.stdin(), out.timeout(), out.maxOutputBytes());
    }
    if (!c.user().isEmpty()) {
      java.nio.file.Path rootfs = images.find(s.spec().image(), s.imageDigest()).map(Image::rootfs).orElseThrow(() -> new SandboxException(
          Problem.IMAGE_NOT_BUILT, "the image " + s.spec().image() + " of " + id + " is no longer on disk"));
      dev.warren.image.ImageUsers.User u = dev.warren.image.ImageUsers.resolve(rootfs, c.user()).orElseThrow(() -> SandboxException.invalidField(
          "image", "the user '" + c.user() + "' of image " + s.spec().image() + " is not in its /etc/passwd"));
      if (!u.root()) {
        Map<String, String> env = new LinkedHashMap<>(out.env());
        env.putIfAbsent("HOME", u.home());
        out = new ExecSpec(u.wrap(out.argv()), env, out.cwd(), out.stdin(), out.timeout(), out.maxOutputBytes());
      }
    }
    return out;
  }

  /** The working directory of the sandbox's image, when its config names one (a session's default). */
  public Optional<String> imageWorkingDir(String id) {
    Sandbox s = get(id);
    String wd = images.config(s.spec().image(), s.imageDigest()).workingDir();
    return wd.isEmpty() ? Optional.empty() : Optional.of(wd);
  }

  /** What an exec answered, and whether the sandbox had to be resumed for it. */
  public record Executed(ExecResult result, boolean resumed) {}

  /** Runs a command in the sandbox; a paused one is resumed first when {@code resume}, else 409. */
  public Executed exec(String id, ExecSpec spec, boolean resume) {
    Ready ready = ready(id, "run a command in", resume);
    Sandbox s = ready.sandbox();
    try {
      // the sandbox's own environment is in its processes already; spec.env() adds to it
      ExecResult r = runtime.guest(id).exec(spec);
      touch(id);
      if (r.oomKilled()) {
        events.record("sandbox.oom-kill", id, "a process of `" + String.join(" ", spec.argv()) + "` was killed by the memory limit of "
            + s.spec().limits().memoryMb() + " MiB");
      }
      return new Executed(r, ready.resumed());
    } catch (SandboxRuntimeException e) {
      throw asSandboxException("exec in", id, e);
    }
  }

  /** The files of a running sandbox (a paused one is resumed). Counts as activity. */
  public SandboxFiles files(String id) {
    return files(id, true);
  }

  /** The files of a running sandbox; a paused one is resumed first when {@code resume}, else 409. Counts as activity. */
  public SandboxFiles files(String id, boolean resume) {
    Sandbox s = ready(id, "access the files of", resume).sandbox();
    return new SandboxFiles(id, runtime.guest(id).files(), s.spec().limits());
  }

  /** Resource use of a running or paused sandbox; empty when it is neither. */
  public Optional<dev.warren.runtime.Usage> usage(Sandbox s) {
    return s.state() == SandboxState.RUNNING || s.state() == SandboxState.PAUSED ? runtime.usage(s.id()) : Optional.empty();
  }

  /** Deletes a directory tree by running rm inside the sandbox, where it cannot reach anything else. */
  public void deleteTree(String id, String path) {
    SandboxFiles.checkPath(path);
    ExecResult r = exec(id, new ExecSpec(List.of("rm", "-rf", "--", path), Map.of(), Optional.empty(), new byte[0],
        java.time.Duration.ofMinutes(10), 64 * 1024));
    if (r.exitCode() != 0) {
      throw new SandboxException(Problem.CONFLICT, "cannot delete " + path + " in " + id + ": "
          + new String(r.stderr(), StandardCharsets.UTF_8).strip());
    }
  }

  /** Replaces a sandbox's egress policy; the proxy applies it from the next connection. */
  public Sandbox setEgress(String id, dev.warren.net.EgressPolicy egress) {
    checkEgress(egress);
    return lifecycle.locked(id, () -> {
      Sandbox s = get(id);
      SandboxSpec spec = s.spec().withEgress(egress);
      Sandbox updated = new Sandbox(s.id(), s.state(), s.stateReason(), spec, s.imageDigest(), s.generation(), s.slot(), s.address(),
          s.createdAt(), s.startedAt(), s.stoppedAt(), s.lastActivityAt());
      store.writeOne(h -> h.createUpdate("UPDATE sandboxes SET spec = :spec WHERE id = :id").bind("spec", SandboxRepository.specJson(spec))
          .bind("id", id).execute());
      if (s.state() == SandboxState.RUNNING) {
        lifecycle.registerEgress(updated);
      }
      return updated;
    });
  }

  /**
   * A sandbox that runs, known in memory (no store read: for doors on the hot path such as the
   * preview proxy), as it was when it started; empty when it does not run, or is not known to
   * (use {@link #requireRunning} for the reason).
   */
  public Optional<Sandbox> running(String id) {
    return lifecycle.running(id);
  }

  public void touch(String id) {
    lifecycle.touch(id);
  }

  // ---- helpers

  static SandboxException asSandboxException(String action, String id, RuntimeException e) {
    if (e instanceof SandboxException se) {
      return se;
    }
    if (e instanceof RuntimeUnavailableException) {
      return new SandboxException(Problem.UNAVAILABLE, "cannot " + action + " sandbox " + id + ": " + e.getMessage(), e);
    }
    if (e instanceof dev.warren.error.WarrenException we) {
      return new SandboxException(we.problem(), we.getMessage(), e);
    }
    log.warn("{} {} failed", action, id, e);
    return new SandboxException(Problem.UNAVAILABLE, "cannot " + action + " sandbox " + id + ": " + e.getMessage(), e);
  }
}
