package dev.warren.sandbox;

import dev.warren.config.SandboxPoolSetting;
import dev.warren.net.EgressPolicy;
import dev.warren.runtime.Limits;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The warm sandbox pool ({@code WARREN_SANDBOX_POOL}): per image, sandboxes created and started
 * ahead of demand, in the default limits shape and nobody's: no env, no labels, no egress, never
 * idle. Their rows say so ({@code pooled}, see {@link SandboxRepository}): the store is the truth,
 * this class keeps only the ids it may hand out next and the counters. A create that
 * {@link #matches} is served by {@link SandboxService} handing one over (its caller's spec applied
 * then); a miss is a normal create.
 *
 * <p>One platform thread, at the lowest priority, keeps the pool: once the controller serves, it
 * deletes the pooled rows that cannot be handed out (not running, an older image, more than the
 * setting asks for: a restart with a lower count) and creates the missing ones, one at a time, only
 * while no caller's create is in flight and {@link #QUIET} after the last one, so that a refill
 * never competes with a caller's create or the first calls on a sandbox just handed out. Restarts
 * need nothing more: pooled sandboxes are adopted like any other (see {@link Reconciler}), and the
 * next pass finds them in the store. Thread-safe; {@link #close} is idempotent.
 */
public final class SandboxPool implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SandboxPool.class);
  /** How long after a caller's create or hand-out the refill waits (a caller's first exec follows its create at once). */
  static final Duration QUIET = Duration.ofMillis(300);
  /** How often the pool is looked at without being asked (sandboxes killed from outside, a row that settled). */
  static final Duration SWEEP = Duration.ofSeconds(5);

  /** What the pool needs of the sandbox service: one pooled sandbox made, one deleted. */
  interface Keeper {
    /** Creates, starts and stores one pooled sandbox of {@code image}; returns it. */
    Sandbox createPooled(String image);

    /** The digest of the image a create of {@code image} would use now; empty when it is not built. */
    Optional<String> currentDigest(String image);

    /** Deletes the pooled sandbox {@code id} if it is still pooled and nobody holds its lock; true when it is gone. */
    boolean deletePooled(String id, String why);
  }

  private final SandboxPoolSetting setting;
  private final Limits limits;
  private final SandboxRepository repo;
  private final Map<String, ConcurrentLinkedDeque<String>> ready = new ConcurrentHashMap<>();
  private final Map<String, Counters> counters = new LinkedHashMap<>();
  private final AtomicInteger userCreates = new AtomicInteger();
  private final AtomicLong lastUserCreate = new AtomicLong(System.nanoTime());
  private final Semaphore wake = new Semaphore(0);
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile Keeper keeper;
  private volatile Thread thread;

  /** Counts per image, read by the metrics. */
  public static final class Counters {
    final AtomicLong claims = new AtomicLong();
    final AtomicLong misses = new AtomicLong();
    final AtomicLong refills = new AtomicLong();
    final AtomicLong refillFailures = new AtomicLong();

    public long claims() {
      return claims.get();
    }

    public long misses() {
      return misses.get();
    }

    public long refills() {
      return refills.get();
    }

    public long refillFailures() {
      return refillFailures.get();
    }
  }

  SandboxPool(SandboxPoolSetting setting, Limits limits, SandboxRepository repo) {
    this.setting = setting;
    this.limits = limits;
    this.repo = repo;
    for (String image : setting.counts().keySet()) {
      ready.put(image, new ConcurrentLinkedDeque<>());
      counters.put(image, new Counters());
    }
  }

  /** The spec of a pooled sandbox of {@code image}: nothing of any caller. */
  SandboxSpec spec(String image) {
    return new SandboxSpec(image, Map.of(), Map.of(), limits, EgressPolicy.DENY_ALL, Duration.ZERO, Optional.empty(), IdleAction.STOP,
        Duration.ZERO);
  }

  /**
   * Whether a pooled sandbox can serve {@code spec}: its image has a pool, its limits are the default
   * ones, and it asks for nothing made at create (a snapshot's files, volumes, a desktop). Its env,
   * labels, egress and idle policy are applied when one is handed over.
   */
  public boolean matches(SandboxSpec spec) {
    return setting.count(spec.image()) > 0 && spec.limits().equals(limits) && spec.snapshot().isEmpty() && spec.volumes().isEmpty()
        && spec.desktop().isEmpty();
  }

  /** The configured counts by image. */
  public Map<String, Integer> targets() {
    return setting.counts();
  }

  /** Pooled sandboxes of {@code image} ready to be handed out now (as this controller knows them). */
  public int ready(String image) {
    ConcurrentLinkedDeque<String> q = ready.get(image);
    return q == null ? 0 : q.size();
  }

  /** The counters of {@code image} (an image of the setting). */
  public Counters counters(String image) {
    return counters.get(image);
  }

  /** The next id to try for {@code image}, taken off the ready list (the caller checks the row under its lock). */
  Optional<String> next(String image) {
    ConcurrentLinkedDeque<String> q = ready.get(image);
    return q == null ? Optional.empty() : Optional.ofNullable(q.pollFirst());
  }

  /** A caller's create begins (a hand-out or not): the refill waits until none is in flight. */
  void userCreateBegins() {
    userCreates.incrementAndGet();
  }

  void userCreateEnds() {
    lastUserCreate.set(System.nanoTime());
    userCreates.decrementAndGet();
  }

  void claimed(String image) {
    counters.get(image).claims.incrementAndGet();
    wake.release();
  }

  void missed(String image) {
    counters.get(image).misses.incrementAndGet();
    wake.release();
  }

  /** Starts keeping the pool once {@code serving} completes. Called once. */
  void start(Keeper keeper, CompletableFuture<Void> serving) {
    if (setting.isEmpty()) {
      return;
    }
    this.keeper = keeper;
    Thread t = Thread.ofPlatform().daemon().name("warren-sandbox-pool").priority(Thread.MIN_PRIORITY).unstarted(() -> run(serving));
    thread = t;
    t.start();
  }

  private void run(CompletableFuture<Void> serving) {
    try {
      while (!closed.get() && !serving.isDone()) {
        try {
          serving.get(1, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
          // look again
        }
      }
      while (!closed.get()) {
        try {
          boolean full = pass();
          // a full pool waits to be asked (a claim, a miss) or for the next sweep; a refill goes on
          if (wake.tryAcquire(full ? SWEEP.toMillis() : 0, TimeUnit.MILLISECONDS)) {
            wake.drainPermits();
          }
        } catch (RuntimeException e) {
          log.warn("the sandbox pool could not be kept: {}", e.toString());
          closedAwareSleep(SWEEP);
        }
      }
    } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
      // closing (interrupted) or a start that failed before it served: nothing to keep
    }
  }

  /**
   * One look at the pool: rows that cannot be handed out deleted, the ready lists rebuilt from the
   * store, then at most one sandbox made. True when every image's pool is full.
   */
  private boolean pass() throws InterruptedException {
    Map<String, Integer> running = new LinkedHashMap<>();
    Map<String, Optional<String>> digests = new LinkedHashMap<>();
    java.util.Set<String> handOutable = new java.util.HashSet<>();
    for (String image : setting.counts().keySet()) {
      digests.put(image, keeper.currentDigest(image));
      running.put(image, 0);
    }
    for (Sandbox s : repo.pooled()) {
      String image = s.spec().image();
      int target = setting.count(image);
      Optional<String> digest = digests.getOrDefault(image, Optional.empty());
      boolean usable = s.state() == SandboxState.RUNNING && (digest.isEmpty() || digest.get().equals(s.imageDigest()));
      if (usable && running.getOrDefault(image, 0) < target) {
        running.merge(image, 1, Integer::sum);
        handOutable.add(s.id());
        ConcurrentLinkedDeque<String> q = ready.get(image);
        if (!q.contains(s.id())) {
          q.addLast(s.id());
        }
        continue;
      }
      if (s.state() == SandboxState.CREATING || s.state() == SandboxState.STARTING || s.state() == SandboxState.STOPPING
          || s.state() == SandboxState.DELETING) {
        // being made now, or settled by the reconciliation: looked at again at the next pass
        if (s.state() == SandboxState.CREATING && target > 0) {
          running.merge(image, 1, Integer::sum);
        }
        continue;
      }
      String why = target == 0 ? "image " + image + " has no pool any more (WARREN_SANDBOX_POOL)"
          : s.state() != SandboxState.RUNNING ? "it is " + s.state().wire() + s.stateReason().map(r -> " (" + r + ")").orElse("")
          : !usable ? "image " + image + " was rebuilt since (" + digest.orElse("?") + ")"
          : "the pool of " + image + " holds more than " + target + " (WARREN_SANDBOX_POOL)";
      ready.getOrDefault(image, new ConcurrentLinkedDeque<>()).remove(s.id());
      if (keeper.deletePooled(s.id(), why)) {
        log.info("deleted pooled sandbox {}: {}", s.id(), why);
      }
    }
    // ids handed out (or gone) since they were listed: a hand-over under way when the list was read wakes the next pass
    ready.values().forEach(q -> q.removeIf(id -> !handOutable.contains(id)));
    for (var e : setting.counts().entrySet()) {
      String image = e.getKey();
      if (running.get(image) >= e.getValue() || digests.get(image).isEmpty()) {
        continue;
      }
      if (!awaitQuiet()) {
        return false;
      }
      Counters c = counters.get(image);
      try {
        Sandbox made = keeper.createPooled(image);
        ready.get(image).addLast(made.id());
        c.refills.incrementAndGet();
      } catch (RuntimeException ex) {
        c.refillFailures.incrementAndGet();
        log.warn("cannot make a pooled sandbox of {}: {}", image, ex.getMessage());
        closedAwareSleep(SWEEP);
      }
      // one create per pass: the next pass looks at the store again
      return false;
    }
    return true;
  }

  /** Waits until no caller's create is in flight and the last one is {@link #QUIET} ago; false when closing. */
  private boolean awaitQuiet() throws InterruptedException {
    while (!closed.get()) {
      long since = System.nanoTime() - lastUserCreate.get();
      if (userCreates.get() == 0 && since >= QUIET.toNanos()) {
        return true;
      }
      Thread.sleep(Math.max(10, (QUIET.toNanos() - since) / 1_000_000));
    }
    return false;
  }

  private void closedAwareSleep(Duration d) throws InterruptedException {
    long end = System.nanoTime() + d.toNanos();
    while (!closed.get() && System.nanoTime() < end) {
      Thread.sleep(Math.min(100, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
    }
  }

  /** Stops keeping the pool (its sandboxes stay, for the next start to adopt); waits, bounded, for a create under way. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    wake.release();
    Thread t = thread;
    if (t != null) {
      try {
        t.join(Duration.ofSeconds(SandboxLifecycle.LOCK_WAIT_SECONDS));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** For the log and the ops view: {@code base 3/4}. */
  @Override
  public String toString() {
    StringBuilder b = new StringBuilder();
    setting.counts().forEach((image, n) -> b.append(b.isEmpty() ? "" : ", ").append(image).append(' ').append(ready(image)).append('/').append(n));
    return b.toString();
  }
}
