package dev.warren.sandbox;

import dev.warren.error.Problem;
import dev.warren.events.Events;
import dev.warren.host.NamedLocks;
import dev.warren.net.EgressProxy;
import dev.warren.runtime.SandboxRuntime;
import dev.warren.runtime.SandboxRuntimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sandbox state machine's transitions and the per-sandbox locks that serialise them, shared by
 * {@link SandboxService} (API calls), {@link Reconciler} (start-up), {@link IdleReaper} and
 * {@link SandboxWatcher} (background), so none of those calls back into the service.
 *
 * <p>Who owns what:
 * <ul>
 *   <li>The lock of a sandbox is held by whichever thread runs an operation on it: an API request
 *       thread, the reaper's or the watcher's virtual thread, a reconciler thread. Its row is in a
 *       transient state (creating, starting, stopping, deleting) only while some thread holds its
 *       lock, so a transient row whose lock is free was stranded ({@link SandboxWatcher}). Waits
 *       are bounded ({@link #LOCK_WAIT_SECONDS}, then 409); a lock ({@link NamedLocks}) exists only
 *       while somebody holds or waits on it. Methods named {@code …Locked} and the
 *       {@code mark…}/{@code finish…}/{@code undo…} transitions require the caller to hold the
 *       sandbox's lock. The reconciler takes the locks of the sandboxes it settles in the background
 *       before the API accepts calls, and marks them {@link #settling}: reads of those
 *       ({@link SandboxService#get}, {@link SandboxService#list}) wait until they are at rest, so
 *       no client sees a state a restart left behind.
 *   <li>Listeners are told on the thread making the transition, under the sandbox's lock; a
 *       listener that throws is logged and does not stop the transition.
 *   <li>The egress registry (address → policy) is written by transitions under the lock and read
 *       without it by the egress proxy's connection threads.
 *   <li>Activity times are written by any thread ({@link #touch}) and read by the idle reaper,
 *       which persists them.
 * </ul>
 * Thread-safe. Every state change is written to the store before the method returns.
 */
final class SandboxLifecycle {
  private static final Logger log = LoggerFactory.getLogger(SandboxLifecycle.class);
  static final long LOCK_WAIT_SECONDS = 120;
  /** The reason a sandbox stopping for a restart carries (see {@link #isRestart}). */
  static final String RESTARTING = "restarting";

  private final SandboxRepository repo;
  private final SandboxRuntime runtime;
  private final Events events;
  private final NamedLocks locks = new NamedLocks(Duration.ofSeconds(LOCK_WAIT_SECONDS));
  private final ConcurrentHashMap<String, EgressProxy.Client> egressByAddress = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Sandbox> runningById = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Instant> activity = new ConcurrentHashMap<>();
  private final PauseClock pauseClock = new PauseClock();
  private final List<SandboxListener> listeners = new CopyOnWriteArrayList<>();
  /** Sandboxes a restart's reconciliation still works on, in the background, under their locks (see {@link Reconciler}). */
  private final ConcurrentHashMap<String, Settling> settling = new ConcurrentHashMap<>();

  /**
   * A sandbox being reconciled: whether its row shows (a deleted one does not), when it is done,
   * and when an operation or a read wanted it (its reconciliation then begins even before the
   * controller serves).
   */
  private record Settling(boolean shown, java.util.concurrent.CompletableFuture<Void> done,
      java.util.concurrent.CompletableFuture<Void> wanted) {}

  SandboxLifecycle(SandboxRepository repo, SandboxRuntime runtime, Events events) {
    this.repo = repo;
    this.runtime = runtime;
    this.events = events;
  }

  static boolean isRestart(Sandbox stopping) {
    return stopping.state() == SandboxState.STOPPING && stopping.stateReason().equals(Optional.of(RESTARTING));
  }

  SandboxRepository repository() {
    return repo;
  }

  SandboxRuntime runtime() {
    return runtime;
  }

  Events events() {
    return events;
  }

  // ---- locks

  /** Runs {@code work} under the sandbox's lock, waiting at most {@link #LOCK_WAIT_SECONDS} for it (409 past that). */
  <T> T locked(String id, Supplier<T> work) {
    want(id);
    return locks.locked(id, () -> new SandboxException(Problem.CONFLICT, "sandbox " + id + " is busy with another operation; try again"), work);
  }

  /** Runs {@code work} under the sandbox's lock when nobody holds it now; false (and nothing run) when somebody does. */
  boolean tryLocked(String id, Runnable work) {
    return locks.tryLocked(id, work);
  }

  /** Takes the lock of a sandbox being created, before its row exists; the caller closes it. */
  NamedLocks.Held hold(String id) {
    return locks.hold(id);
  }

  // ---- a restart's reconciliation in the background

  /**
   * Marks {@code id} as being reconciled after a restart until {@link #settled}; {@code shown}: its
   * row is one that lists show (not deleting). Called by the reconciler before the API starts.
   */
  void settling(String id, boolean shown) {
    settling.put(id, new Settling(shown, new java.util.concurrent.CompletableFuture<>(), new java.util.concurrent.CompletableFuture<>()));
  }

  /** Completes when something waits for the sandbox {@code id} a restart's reconciliation holds (done at once when none does). */
  java.util.concurrent.CompletableFuture<Void> wanted(String id) {
    Settling s = settling.get(id);
    return s == null ? java.util.concurrent.CompletableFuture.completedFuture(null) : s.wanted();
  }

  private void want(String id) {
    Settling s = settling.get(id);
    if (s != null) {
      s.wanted().complete(null);
    }
  }

  /** The reconciliation of {@code id} is over (its row at rest or gone); called before its lock is released. */
  void settled(String id) {
    Settling s = settling.remove(id);
    if (s != null) {
      s.done().complete(null);
    }
  }

  boolean isSettling(String id) {
    return settling.containsKey(id);
  }

  /** Waits, at most {@link #LOCK_WAIT_SECONDS}, until a restart's reconciliation of {@code id} is over, if it is going on. */
  void awaitSettled(String id) {
    Settling s = settling.get(id);
    if (s != null) {
      s.wanted().complete(null);
      await(s.done(), "sandbox " + id + " is");
    }
  }

  /** Waits, at most {@link #LOCK_WAIT_SECONDS}, until every row a list would show is at rest again. */
  void awaitShownSettled() {
    settling.values().stream().filter(Settling::shown).forEach(st -> st.wanted().complete(null));
    var shown = settling.values().stream().filter(Settling::shown).map(Settling::done).toArray(java.util.concurrent.CompletableFuture[]::new);
    if (shown.length > 0) {
      await(java.util.concurrent.CompletableFuture.allOf(shown), shown.length + (shown.length == 1 ? " sandbox is" : " sandboxes are"));
    }
  }

  private static void await(java.util.concurrent.CompletableFuture<?> done, String what) {
    try {
      done.get(LOCK_WAIT_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new SandboxException(Problem.CONFLICT, what + " still being reconciled after a controller restart; try again");
    } catch (java.util.concurrent.ExecutionException e) {
      // the reconciliation completes its futures normally only
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SandboxException(Problem.UNAVAILABLE, "interrupted while waiting: " + what + " being reconciled after a controller restart");
    }
  }

  // ---- listeners, egress, activity

  void addListener(SandboxListener l) {
    listeners.add(l);
  }

  void fireStopping(Sandbox s) {
    for (SandboxListener l : listeners) {
      try {
        l.stopping(s);
      } catch (RuntimeException e) {
        log.warn("listener failed while {} stops: {}", s.id(), e.toString());
      }
    }
  }

  private void fire(Sandbox s, String step, java.util.function.Consumer<SandboxListener> call) {
    for (SandboxListener l : listeners) {
      try {
        call.accept(l);
      } catch (RuntimeException e) {
        log.warn("listener failed after {} {}: {}", s.id(), step, e.toString());
      }
    }
  }

  private void fireStarted(Sandbox s) {
    for (SandboxListener l : listeners) {
      try {
        l.started(s);
      } catch (RuntimeException e) {
        log.warn("listener failed after {} started: {}", s.id(), e.toString());
      }
    }
  }

  Optional<EgressProxy.Client> egressClient(String address) {
    return Optional.ofNullable(egressByAddress.get(address));
  }

  /** A sandbox while it runs (from its start or adoption to its stop), as it was then, without the store. */
  Optional<Sandbox> running(String id) {
    return Optional.ofNullable(runningById.get(id));
  }

  void registerEgress(Sandbox s) {
    egressByAddress.put(s.address(), new EgressProxy.Client(s.id(), s.spec().egress()));
    runningById.put(s.id(), s);
  }

  private void unregisterEgress(Sandbox s) {
    runningById.remove(s.id());
    egressByAddress.remove(s.address());
  }

  void touch(String id) {
    activity.put(id, Instant.now());
  }

  /** Last activity by sandbox id, live: the idle reaper reads and adds to it. */
  Map<String, Instant> activity() {
    return activity;
  }

  // ---- transitions (caller holds the sandbox's lock)

  /** Records a sandbox the runtime has just started as running, and tells the listeners. */
  void markRunning(Sandbox running, Instant at) {
    repo.update(running);
    registerEgress(running);
    activity.put(running.id(), at);
    fireStarted(running);
  }

  /**
   * Takes over a sandbox found running at start-up: stored as running (or paused), its egress and
   * activity known again. The row is the truth for the freezer: a paused row's processes are frozen
   * (a pause a restart interrupted between its row and its freeze is finished), every other row's
   * are thawed (a resume interrupted between its row and its thaw is finished; a pause that failed
   * and was being undone is undone). {@code frozen}: whether its processes are frozen now.
   */
  void adopt(Sandbox s, boolean frozen) {
    if (s.state() == SandboxState.PAUSED) {
      if (!frozen) {
        runtime.pause(s.id());
        events.record("sandbox.paused", s.id(), "its pause was finished after a controller restart");
      }
      egressByAddress.put(s.address(), new EgressProxy.Client(s.id(), s.spec().egress()));
      activity.put(s.id(), s.lastActivityAt());
      // the pause counts as activity: the row's last activity is when it began
      pauseClock.pausedAt(s.id(), s.lastActivityAt());
      return;
    }
    if (frozen) {
      runtime.resume(s.id());
      events.record("sandbox.resumed", s.id(), "its row says " + s.state().wire() + ": thawed after a controller restart");
    }
    Sandbox r = s.state() == SandboxState.RUNNING ? s
        : new Sandbox(s.id(), SandboxState.RUNNING, Optional.empty(), s.spec(), s.imageDigest(), s.generation(), s.slot(), s.address(),
            s.createdAt(), Optional.of(s.startedAt().orElse(Instant.now())), Optional.empty(), s.lastActivityAt());
    if (r != s) {
      repo.update(r);
    }
    registerEgress(r);
    activity.put(r.id(), r.lastActivityAt());
  }

  /**
   * Freezes a running sandbox: its row says paused first, then its processes are frozen; a freeze
   * that fails thaws them and the row says running again. The pause counts as activity (a paused
   * sandbox's {@code pausedTimeout} runs from it). Paused sandboxes are not {@link #running}: a
   * door that finds none goes through the service, which resumes it.
   */
  Sandbox pauseLocked(Sandbox s, Optional<String> reason) {
    if (s.state() == SandboxState.PAUSED) {
      return s;
    }
    if (s.state() != SandboxState.RUNNING) {
      throw SandboxException.wrongState(s, "pause", "only a running sandbox can be paused"
          + (s.state() == SandboxState.STOPPED || s.state() == SandboxState.FAILED ? "; start it first (POST /v1/sandboxes/" + s.id() + "/start)" : ""));
    }
    long t0 = System.nanoTime();
    Instant now = Instant.now();
    Sandbox paused = s.with(SandboxState.PAUSED, reason).activeAt(now);
    repo.update(paused);
    runningById.remove(s.id());
    try {
      runtime.pause(s.id());
    } catch (RuntimeException e) {
      try {
        runtime.resume(s.id());
        repo.update(s);
        runningById.put(s.id(), s);
      } catch (RuntimeException undo) {
        // the row says paused: the next restart's reconciliation freezes it to match
        e.addSuppressed(undo);
      }
      throw SandboxService.asSandboxException("pause", s.id(), e);
    }
    activity.put(s.id(), now);
    pauseClock.paused(s.id());
    events.record("sandbox.paused", s.id(), reason.orElse("generation " + s.generation()), Duration.ofNanos(System.nanoTime() - t0));
    fire(paused, "paused", l -> l.paused(paused));
    return paused;
  }

  /**
   * Thaws a paused sandbox: its row says running first, then its processes are thawed (a thaw that
   * fails leaves the row paused again). {@code why} is recorded with the event.
   */
  Sandbox resumeLocked(Sandbox s, String why) {
    if (s.state() == SandboxState.RUNNING) {
      return s;
    }
    if (s.state() != SandboxState.PAUSED) {
      throw SandboxException.wrongState(s, "resume", "only a paused sandbox can be resumed"
          + (s.state() == SandboxState.STOPPED || s.state() == SandboxState.FAILED ? "; start it instead (POST /v1/sandboxes/" + s.id() + "/start)" : ""));
    }
    long t0 = System.nanoTime();
    Instant now = Instant.now();
    Sandbox running = s.with(SandboxState.RUNNING, Optional.empty()).activeAt(now);
    repo.update(running);
    try {
      runtime.resume(s.id());
    } catch (RuntimeException e) {
      try {
        repo.update(s);
      } catch (RuntimeException undo) {
        e.addSuppressed(undo);
      }
      throw SandboxService.asSandboxException("resume", s.id(), e);
    }
    registerEgress(running);
    activity.put(s.id(), now);
    pauseClock.resumed(s.id());
    events.record("sandbox.resumed", s.id(), why, Duration.ofNanos(System.nanoTime() - t0));
    fire(running, "resumed", l -> l.resumed(running));
    return running;
  }

  /** Nanoseconds {@code id} has spent paused while this controller ran (and in the pause it was found in at start-up). */
  long pausedNanos(String id) {
    return pauseClock.pausedNanos(id);
  }

  boolean pausedNow(String id) {
    return pauseClock.isPaused(id);
  }

  /** Thaws a paused sandbox about to be stopped or deleted, so its listeners find it as a running one (best effort: its end kills frozen processes too). */
  private void thawForEnd(Sandbox s) {
    if (s.state() == SandboxState.PAUSED) {
      try {
        runtime.resume(s.id());
      } catch (RuntimeException e) {
        log.warn("cannot thaw paused sandbox {} before ending it (its processes are killed frozen): {}", s.id(), e.getMessage());
      }
    }
  }

  Sandbox stopLocked(Sandbox s, String verb, Optional<String> reason) {
    if (s.state() == SandboxState.STOPPED) {
      return s;
    }
    if (s.state() == SandboxState.DELETING) {
      throw SandboxException.wrongState(s, "stop", "it is being deleted");
    }
    repo.update(s.with(SandboxState.STOPPING, reason));
    thawForEnd(s);
    unregisterEgress(s);
    fireStopping(s.with(SandboxState.STOPPING, reason));
    try {
      runtime.stop(s.id());
    } catch (SandboxRuntimeException e) {
      repo.update(s.with(SandboxState.FAILED, Optional.of("stop failed: " + e.getMessage())));
      throw SandboxService.asSandboxException("stop", s.id(), e);
    }
    Instant now = Instant.now();
    Sandbox stopped = new Sandbox(s.id(), SandboxState.STOPPED, reason, s.spec(), s.imageDigest(), s.generation(), s.slot(),
        s.address(), s.createdAt(), s.startedAt(), Optional.of(now), s.lastActivityAt());
    repo.update(stopped);
    activity.remove(s.id());
    pauseClock.forget(s.id());
    events.record("sandbox." + verb, s.id(), reason.orElse("generation " + s.generation()));
    return stopped;
  }

  /**
   * Records that a running sandbox's processes are gone without Warren stopping it: listeners are
   * told (sessions end, browsers close), what it held on the host is released, and it is stored as
   * failed with {@code reason}.
   */
  void markDied(Sandbox s, String reason) {
    Sandbox failed = s.with(SandboxState.FAILED, Optional.of(reason));
    events.record("sandbox.died", s.id(), reason);
    log.warn("sandbox {} (generation {}) died: {}", s.id(), s.generation(), reason);
    unregisterEgress(s);
    fireStopping(failed);
    activity.remove(s.id());
    pauseClock.forget(s.id());
    try {
      runtime.stop(s.id());
    } catch (RuntimeException e) {
      log.warn("cannot release what dead sandbox {} held: {}", s.id(), e.getMessage());
    }
    repo.update(new Sandbox(s.id(), SandboxState.FAILED, Optional.of(reason), s.spec(), s.imageDigest(), s.generation(), s.slot(),
        s.address(), s.createdAt(), s.startedAt(), Optional.of(Instant.now()), s.lastActivityAt()));
  }

  /** Stores as failed a sandbox found at start-up whose processes were gone, releasing what it held. */
  void markVanished(Sandbox s, String why) {
    events.record("sandbox.vanished", s.id(), why);
    fireStopping(s.with(SandboxState.FAILED, Optional.of(why)));
    runtime.stop(s.id());
    repo.update(s.with(SandboxState.FAILED, Optional.of(why)));
  }

  /** Releases what a stopped or failed sandbox still holds on the host; its row stays as it is. */
  void release(Sandbox s) {
    fireStopping(s);
    runtime.stop(s.id());
  }

  void deleteLocked(Sandbox s) {
    repo.update(s.with(SandboxState.DELETING, Optional.empty()));
    thawForEnd(s);
    unregisterEgress(s);
    fireStopping(s.with(SandboxState.DELETING, Optional.empty()));
    activity.remove(s.id());
    pauseClock.forget(s.id());
    try {
      runtime.destroy(s.id());
    } catch (SandboxRuntimeException e) {
      repo.update(s.with(SandboxState.FAILED, Optional.of("delete failed: " + e.getMessage())));
      throw SandboxService.asSandboxException("delete", s.id(), e);
    }
    repo.delete(s.id());
    events.record("sandbox.deleted", s.id(), "");
    fire(s, "deleted", l -> l.deleted(s));
  }

  /**
   * Settles a sandbox whose row is in a transient state while no operation works on it: the
   * operation failed and could not record how, because the store was unavailable at that moment.
   * Its client was answered with an error, so a create is undone, a start or a stop ends stopped,
   * a delete is finished.
   */
  void settleStranded(Sandbox s) {
    String why = "the outcome of its " + s.state().wire() + " could not be recorded (the store was unavailable)";
    switch (s.state()) {
      case CREATING -> undoCreate(s, why + "; undone");
      case STARTING, STOPPING -> finishStop(s, why + "; start it again", "sandbox.stopped");
      case DELETING -> finishDelete(s, why + "; finished");
      default -> {
        // at rest
      }
    }
  }

  /** Undoes a create nobody was answered: every trace removed, the row and its Idempotency-Key deleted. */
  void undoCreate(Sandbox s, String why) {
    events.record("sandbox.create-interrupted", s.id(), why);
    fireStopping(s.with(SandboxState.DELETING, Optional.of("its create was interrupted")));
    runtime.destroy(s.id());
    repo.delete(s.id());
    fire(s, "deleted", l -> l.deleted(s));
  }

  /** Finishes a stop (or ends a start): whatever is left is released, the row says stopped with {@code reason}. */
  void finishStop(Sandbox s, String reason, String event) {
    Optional<String> why = Optional.ofNullable(reason);
    fireStopping(s.with(SandboxState.STOPPING, why));
    runtime.stop(s.id());
    repo.update(new Sandbox(s.id(), SandboxState.STOPPED, why, s.spec(), s.imageDigest(), s.generation(), s.slot(),
        s.address(), s.createdAt(), s.startedAt(), Optional.of(Instant.now()), s.lastActivityAt()));
    events.record(event, s.id(), why.orElse("finished after a controller restart"));
  }

  void finishDelete(Sandbox s, String why) {
    runtime.destroy(s.id());
    repo.delete(s.id());
    events.record("sandbox.deleted", s.id(), why);
    fire(s, "deleted", l -> l.deleted(s));
  }
}
