package dev.warren.snapshot;

import dev.warren.sandbox.Sandbox;
import dev.warren.sandbox.SandboxService;
import dev.warren.sandbox.SandboxSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;

/**
 * The creates of one fork, a few at a time (each is mostly waiting on crun and the kernel), all or
 * none: once one fails, the others are not begun and those made are deleted. A sandbox of a fork
 * interrupted by a controller kill is either running (its row says so) or undone at the next start
 * like any create. Used once, by one thread.
 */
final class ForkCreates {
  /** Creates under way at once: each waits on crun and the kernel more than it computes. */
  private static final int PARALLEL = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());

  private final SandboxService sandboxes;
  private final SandboxSpec spec;
  private final int count;

  ForkCreates(SandboxService sandboxes, SandboxSpec spec, int count) {
    this.sandboxes = sandboxes;
    this.spec = spec;
    this.count = count;
  }

  List<Sandbox> run() {
    Semaphore slots = new Semaphore(PARALLEL);
    List<Future<Sandbox>> futures = new ArrayList<>();
    java.util.concurrent.atomic.AtomicBoolean failed = new java.util.concurrent.atomic.AtomicBoolean();
    try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < count; i++) {
        futures.add(pool.submit(() -> {
          slots.acquire();
          try {
            if (failed.get()) {
              return null;
            }
            return sandboxes.create(spec, Optional.empty());
          } catch (RuntimeException e) {
            failed.set(true);
            throw e;
          } finally {
            slots.release();
          }
        }));
      }
    }
    List<Sandbox> made = new ArrayList<>();
    RuntimeException error = null;
    for (Future<Sandbox> f : futures) {
      try {
        Sandbox s = f.get();
        if (s != null) {
          made.add(s);
        }
      } catch (ExecutionException e) {
        RuntimeException cause = e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        if (error == null) {
          error = cause;
        } else {
          error.addSuppressed(cause);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        error = error == null ? new SnapshotException(dev.warren.error.Problem.UNAVAILABLE, "interrupted while forking") : error;
      }
    }
    if (error != null) {
      for (Sandbox s : made) {
        try {
          sandboxes.delete(s.id());
        } catch (RuntimeException e) {
          error.addSuppressed(e);
        }
      }
      throw error;
    }
    return made;
  }
}
