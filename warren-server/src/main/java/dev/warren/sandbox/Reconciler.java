package dev.warren.sandbox;

import dev.warren.runtime.Observed;
import dev.warren.runtime.SandboxRuntime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Start-up reconciliation: the store says what should exist, the runtime shows what does. Every
 * state a controller killed at any moment can leave ends in a state of rest (docs/operations.md,
 * "What a restart does with each sandbox"):
 * <ul>
 *   <li>{@code running}: adopted when its container runs, else {@code failed} with the reason;
 *   <li>{@code paused}: adopted when its container runs (frozen or not), else {@code failed}; the
 *       row is the truth for the freezer, set to match it ({@link SandboxLifecycle#adopt}): a
 *       controller killed in the middle of a pause ends paused when the row was written, running
 *       when not; one killed in the middle of a resume likewise;
 *   <li>{@code creating}: a create nobody was answered (the answer follows the row saying
 *       running), undone: every trace removed, the row and its Idempotency-Key deleted, so that the
 *       client's retry with the same key makes the sandbox anew, once;
 *   <li>{@code starting}: adopted when the container runs, else {@code stopped} saying the start
 *       was interrupted (its files are kept; a retried start boots it);
 *   <li>{@code stopping}: the stop is finished; {@code deleting}: the delete is finished;
 *   <li>{@code stopped}, {@code failed}: anything still held on the host is released.
 * </ul>
 * Releasing means whatever the sandbox still runs is killed and what the runtime holds for it
 * (its container record, mounts, network, cgroups) is removed (see the runtime's stop). Leftovers carrying this
 * instance's labels but unknown to the store are removed.
 *
 * <p>{@link #run} is called once, before the API accepts requests, on the thread that starts the
 * controller. It adopts the running sandboxes itself; every other sandbox that needs the runtime
 * (killing, unmounting, removing a network: hundreds of milliseconds) is reconciled in the
 * background, by a virtual thread of its own ({@link #PARALLEL} at a time) that takes the
 * sandbox's lock first: {@code run} returns once all those locks are held (and the leftovers
 * unknown to the store are removed), so an API call on such
 * a sandbox waits for it like for any operation, and reads wait until it is at rest
 * ({@link SandboxLifecycle#settling}). The threads holding those locks begin their work once the
 * controller serves ({@code serving} completes), or as soon as an operation or a read waits for
 * one ({@link SandboxLifecycle#wanted}): the rest of the start (shells, browsers, the API) does
 * not share the host's CPUs and the store with it, and what the start itself does to such a
 * sandbox (closing a browser whose sandbox was being deleted) does not wait for the start's end. An interrupted create's row says deleting, and its
 * Idempotency-Key is forgotten, before {@code run} returns. The future it returns completes, with
 * the summary, when the background work is over.
 */
final class Reconciler {
  private static final Logger log = LoggerFactory.getLogger(Reconciler.class);
  /** Sandboxes whose runtime work (containers, network, mounts) runs at once at start-up. */
  private static final int PARALLEL = 8;
  /** How long {@link #run} waits for its threads to hold the locks nobody else can hold yet. */
  private static final long LOCKS_WAIT_SECONDS = 30;

  record Report(int adopted, int failed, int stopped, int deleted, int undone, int orphansRemoved) {}

  private final SandboxLifecycle lifecycle;
  private final SandboxRuntime runtime;
  private final SandboxRepository repo;
  private final AtomicInteger adopted = new AtomicInteger();
  private final AtomicInteger failed = new AtomicInteger();
  private final AtomicInteger stopped = new AtomicInteger();
  private final AtomicInteger deleted = new AtomicInteger();
  private final AtomicInteger undone = new AtomicInteger();
  private final AtomicInteger orphansRemoved = new AtomicInteger();
  private final Semaphore permits = new Semaphore(PARALLEL);

  private final CompletableFuture<Void> serving;

  Reconciler(SandboxLifecycle lifecycle, CompletableFuture<Void> serving) {
    this.lifecycle = lifecycle;
    this.serving = serving;
    this.runtime = lifecycle.runtime();
    this.repo = lifecycle.repository();
  }

  /** Adopts what runs and starts the rest in the background; the future completes when that is over. */
  CompletableFuture<Report> run() {
    // the store's rows are read (and their specs parsed) while the runtime looks at the host
    dev.warren.host.Beside<List<Sandbox>> rows = dev.warren.host.Beside.compute("reconcile-rows", repo::all);
    Map<String, Observed> seen = new HashMap<>();
    for (Observed o : runtime.observe()) {
      seen.put(o.id(), o);
    }
    List<Sandbox> stored = rows.join();
    record Pending(Sandbox s, Optional<Observed> o) {}
    List<Pending> background = new ArrayList<>();
    for (Sandbox s : stored) {
      Optional<Observed> o = Optional.ofNullable(seen.remove(s.id()));
      switch (s.state()) {
        case RUNNING, STARTING, PAUSED -> {
          if (o.map(Observed::running).orElse(false)) {
            // crun list read each container's freezer (cgroup.freeze: what was asked of it, so a freeze
            // a kill interrupted counts as one): no second read per sandbox
            adopt(s, o.get().containerStatus().orElse("").equals("paused"));
          } else {
            background.add(new Pending(s, o));
          }
        }
        case STOPPED, FAILED -> {
          if (o.map(Observed::holdsResources).orElse(false)) {
            background.add(new Pending(s, o));
          }
        }
        case CREATING -> {
          // the 201 is sent after the row says running: nobody was told of this one, and a retry makes it anew from now on
          repo.interruptCreate(s.id(), "its create was interrupted by a controller restart");
          background.add(new Pending(s, o));
        }
        case STOPPING, DELETING -> background.add(new Pending(s, o));
      }
    }
    CountDownLatch locked = new CountDownLatch(background.size());
    List<CompletableFuture<Void>> work = new ArrayList<>();
    for (Pending p : background) {
      String id = p.s().id();
      // lists wait for the rows whose state changes: a deleting row is not shown, a stopped one stays stopped
      lifecycle.settling(id, java.util.EnumSet.of(SandboxState.RUNNING, SandboxState.STARTING, SandboxState.PAUSED, SandboxState.STOPPING).contains(p.s().state()));
      work.add(inBackground("reconcile-" + id, () -> {
        try (var held = lifecycle.hold(id)) {
          locked.countDown();
          // begun once the controller serves, or at once when an operation or a read on it waits (one made by the start itself too)
          CompletableFuture.anyOf(serving, lifecycle.wanted(id)).join();
          try {
            limited(permits, () -> reconcileOrFail(p.s(), p.o()));
          } finally {
            lifecycle.settled(id);
          }
        }
      }));
    }
    // leftovers unknown to the store (a store restored from a backup) are rare, and no lock keeps a
    // client from them (their ids are in no row): removed before the API starts, beside the rest
    List<CompletableFuture<Void>> orphans = new ArrayList<>();
    Semaphore orphanPermits = new Semaphore(PARALLEL);
    for (Observed o : seen.values()) {
      orphans.add(inBackground("reconcile-orphan", () -> limited(orphanPermits, () -> removeOrphan(o))));
    }
    awaitLocks(locked);
    CompletableFuture.allOf(orphans.toArray(CompletableFuture[]::new)).join();
    return CompletableFuture.allOf(work.toArray(CompletableFuture[]::new)).handle((ok, e) -> {
      if (e != null) {
        log.warn("the reconciliation in the background ended with an error: {}", e.toString());
      }
      Report r = new Report(adopted.get(), failed.get(), stopped.get(), deleted.get(), undone.get(), orphansRemoved.get());
      log.info("reconciled: {} adopted, {} failed, {} stopped, {} deletions finished, {} interrupted creates undone, {} leftovers removed",
          r.adopted(), r.failed(), r.stopped(), r.deleted(), r.undone(), r.orphansRemoved());
      return r;
    });
  }

  private static CompletableFuture<Void> inBackground(String name, Runnable work) {
    return CompletableFuture.runAsync(work, r -> Thread.ofVirtual().name(name).start(r));
  }

  private static void awaitLocks(CountDownLatch locked) {
    try {
      if (!locked.await(LOCKS_WAIT_SECONDS, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the reconciler's threads did not take the locks of " + locked.getCount()
            + " sandboxes within " + LOCKS_WAIT_SECONDS + " s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while the reconciler took the locks of the sandboxes it settles", e);
    }
  }

  private void reconcileOrFail(Sandbox s, Optional<Observed> o) {
    try {
      reconcile(s, o);
    } catch (RuntimeException e) {
      log.warn("cannot reconcile {} ({}): {}", s.id(), s.state().wire(), e.getMessage());
      repo.update(s.with(SandboxState.FAILED, Optional.of("reconciliation failed: " + e.getMessage() + "; delete it, or start it again")));
      failed.incrementAndGet();
    }
  }

  private void removeOrphan(Observed o) {
    try {
      lifecycle.events().record("sandbox.orphan-removed", o.id(), "not in the store: " + o);
      runtime.destroy(o.id());
      orphansRemoved.incrementAndGet();
    } catch (RuntimeException e) {
      log.warn("cannot remove leftover sandbox {}: {}", o.id(), e.getMessage());
    }
  }

  private static void limited(Semaphore permits, Runnable work) {
    try {
      permits.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    try {
      work.run();
    } finally {
      permits.release();
    }
  }

  private void reconcile(Sandbox s, Optional<Observed> o) {
    switch (s.state()) {
      case CREATING -> {
        // the 201 is sent after the row says running: nobody was told of this one
        lifecycle.undoCreate(s, "the controller stopped while creating it; undone (a retry with the same Idempotency-Key makes it anew)");
        undone.incrementAndGet();
      }
      case RUNNING, STARTING, PAUSED -> {
        // one whose container runs was adopted before the API started
        if (s.state() == SandboxState.STARTING) {
          lifecycle.finishStop(s, "its start (generation " + s.generation() + ") was interrupted by a controller restart; start it again",
              "sandbox.start-interrupted");
          stopped.incrementAndGet();
        } else {
          String why = o.flatMap(Observed::containerStatus).map(st -> "its container was " + st + " when the controller started")
              .orElse("its processes were gone when the controller started (host restart, or killed from outside)");
          lifecycle.markVanished(s, why);
          failed.incrementAndGet();
        }
      }
      case STOPPING -> {
        lifecycle.finishStop(s, SandboxLifecycle.isRestart(s) ? "its restart was interrupted by a controller restart; start it again"
            : s.stateReason().orElse(null), "sandbox.stopped");
        stopped.incrementAndGet();
      }
      case STOPPED, FAILED -> {
        if (o.map(Observed::holdsResources).orElse(false)) {
          lifecycle.release(s);
          stopped.incrementAndGet();
        }
      }
      case DELETING -> {
        lifecycle.finishDelete(s, "finished after a controller restart");
        deleted.incrementAndGet();
      }
    }
  }

  private void adopt(Sandbox s, boolean frozen) {
    try {
      lifecycle.adopt(s, frozen);
    } catch (RuntimeException e) {
      // its freezer could not be set to match its row: it runs, so it is adopted as running and says why
      log.warn("cannot set the freezer of {} to match its row ({}): {}", s.id(), s.state().wire(), e.getMessage());
      if (s.state() != SandboxState.PAUSED) {
        throw e;
      }
      Sandbox running = s.with(SandboxState.RUNNING, Optional.of("its pause could not be restored after a controller restart: " + e.getMessage()));
      repo.update(running);
      lifecycle.adopt(running, runtime.paused(running.id()));
    }
    adopted.incrementAndGet();
  }
}
