package dev.warren.sandbox;

import dev.warren.runtime.Observed;
import dev.warren.runtime.SandboxRuntime;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Start-up reconciliation: the store says what should exist, the runtime shows what does. Every
 * state a controller killed at any moment can leave ends in a state of rest (docs/operations.md,
 * "What a restart does with each sandbox"):
 * <ul>
 *   <li>{@code running}: adopted when its container runs, else {@code failed} with the reason;
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
 * instance's labels but unknown to the store are removed. Called once, before the API accepts
 * requests, on the thread that starts the controller; the sandboxes that need the runtime are
 * reconciled side by side on virtual threads ({@link #PARALLEL} at once), each by one thread.
 */
final class Reconciler {
  private static final Logger log = LoggerFactory.getLogger(Reconciler.class);
  /** Sandboxes whose runtime work (containers, network, mounts) runs at once at start-up. */
  private static final int PARALLEL = 8;

  record Report(int adopted, int failed, int stopped, int deleted, int undone, int orphansRemoved) {}

  private final SandboxLifecycle lifecycle;
  private final SandboxRuntime runtime;
  private final SandboxRepository repo;
  private final AtomicInteger adopted = new AtomicInteger();
  private final AtomicInteger failed = new AtomicInteger();
  private final AtomicInteger stopped = new AtomicInteger();
  private final AtomicInteger deleted = new AtomicInteger();
  private final AtomicInteger undone = new AtomicInteger();

  Reconciler(SandboxLifecycle lifecycle) {
    this.lifecycle = lifecycle;
    this.runtime = lifecycle.runtime();
    this.repo = lifecycle.repository();
  }

  Report run() {
    // the store's rows are read (and their specs parsed) while the runtime looks at the host
    java.util.concurrent.FutureTask<java.util.List<Sandbox>> rows = new java.util.concurrent.FutureTask<>(repo::all);
    Thread.ofPlatform().name("reconcile-rows").start(rows);
    Map<String, Observed> seen = new HashMap<>();
    for (Observed o : runtime.observe()) {
      seen.put(o.id(), o);
    }
    java.util.List<Sandbox> stored;
    try {
      stored = rows.get();
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading the sandboxes of the store", e);
    }
    AtomicInteger orphans = new AtomicInteger();
    // sandboxes are independent: what needs the runtime (undo, finish, release) runs side by side,
    // so that a restart with several creates in flight is not held up by each one in turn
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      Semaphore permits = new Semaphore(PARALLEL);
      for (Sandbox s : stored) {
        Optional<Observed> o = Optional.ofNullable(seen.remove(s.id()));
        if (s.state() == SandboxState.RUNNING && o.map(Observed::running).orElse(false)) {
          adopt(s);
          continue;
        }
        pool.submit(() -> limited(permits, () -> {
          try {
            reconcile(s, o);
          } catch (RuntimeException e) {
            log.warn("cannot reconcile {} ({}): {}", s.id(), s.state().wire(), e.getMessage());
            repo.update(s.with(SandboxState.FAILED, Optional.of("reconciliation failed: " + e.getMessage() + "; delete it, or start it again")));
            failed.incrementAndGet();
          }
        }));
      }
      for (Observed o : seen.values()) {
        pool.submit(() -> limited(permits, () -> {
          try {
            lifecycle.events().record("sandbox.orphan-removed", o.id(), "not in the store: " + o);
            runtime.destroy(o.id());
            orphans.incrementAndGet();
          } catch (RuntimeException e) {
            log.warn("cannot remove leftover sandbox {}: {}", o.id(), e.getMessage());
          }
        }));
      }
    }
    Report r = new Report(adopted.get(), failed.get(), stopped.get(), deleted.get(), undone.get(), orphans.get());
    log.info("reconciled: {} adopted, {} failed, {} stopped, {} deletions finished, {} interrupted creates undone, {} leftovers removed",
        r.adopted(), r.failed(), r.stopped(), r.deleted(), r.undone(), r.orphansRemoved());
    return r;
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
    boolean running = o.map(Observed::running).orElse(false);
    switch (s.state()) {
      case CREATING -> {
        // the 201 is sent after the row says running: nobody was told of this one
        lifecycle.undoCreate(s, "the controller stopped while creating it; undone (a retry with the same Idempotency-Key makes it anew)");
        undone.incrementAndGet();
      }
      case RUNNING, STARTING -> {
        if (running) {
          adopt(s);
        } else if (s.state() == SandboxState.STARTING) {
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

  private void adopt(Sandbox s) {
    lifecycle.adopt(s);
    adopted.incrementAndGet();
  }
}
