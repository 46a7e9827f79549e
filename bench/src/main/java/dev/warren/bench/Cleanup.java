package dev.warren.bench;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Everything the run made, undone in reverse order exactly once: by the main thread's
 * {@code finally}, or by the shutdown hook on Ctrl-C/SIGTERM, whichever comes first. The hook
 * first raises the abort flag, which every measured operation checks, then waits a bounded time
 * for operations in flight to finish so it does not tear down under them.
 *
 * <p>Thread-safe.
 */
final class Cleanup {
  private static final Duration DRAIN = Duration.ofSeconds(20);

  private final AtomicBoolean aborted = new AtomicBoolean();
  private final AtomicBoolean done = new AtomicBoolean();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final ReentrantLock lock = new ReentrantLock();
  private final Deque<Step> steps = new ArrayDeque<>();

  private record Step(String name, AutoCloseable action) {}

  /** The run was interrupted; thrown by {@link #begin} once the abort flag is up. */
  static final class Aborted extends RuntimeException {
    Aborted() {
      super("the benchmark was interrupted");
    }
  }

  /** A section ran out of time. */
  static final class OutOfTime extends RuntimeException {
    OutOfTime(String section, Duration budget) {
      super(section + " was cut short after " + budget.toMinutes() + " min");
    }
  }

  /** A section's time limit; {@link #check} throws once it has passed or the run was aborted. */
  record Budget(String section, Duration limit, long deadlineNanos, Cleanup cleanup) {
    void check() {
      if (cleanup.aborted.get()) {
        throw new Aborted();
      }
      if (System.nanoTime() - deadlineNanos > 0) {
        throw new OutOfTime(section, limit);
      }
    }

    long remainingNanos() {
      return Math.max(0, deadlineNanos - System.nanoTime());
    }
  }

  Budget budget(String section, Duration limit) {
    return new Budget(section, limit, System.nanoTime() + limit.toNanos(), this);
  }

  void installHook() {
    Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("bench-cleanup").unstarted(() -> {
      if (done.get()) {
        return;
      }
      aborted.set(true);
      System.err.println("bench: interrupted; cleaning up");
      drain();
      run();
    }));
  }

  boolean aborted() {
    return aborted.get();
  }

  /** One operation in flight; closing it does not throw. */
  interface Op extends AutoCloseable {
    @Override
    void close();
  }

  /** Marks one measured operation in flight; close the answer when it is done. */
  Op begin() {
    if (aborted.get()) {
      throw new Aborted();
    }
    inFlight.incrementAndGet();
    return inFlight::decrementAndGet;
  }

  /** Registers something to undo; later registrations are undone first. */
  void push(String name, AutoCloseable action) {
    lock.lock();
    try {
      steps.push(new Step(name, action));
    } finally {
      lock.unlock();
    }
  }

  /** The main thread is done and has cleaned up; the shutdown hook has nothing left to do. */
  void finish() {
    done.set(true);
  }

  /** Undoes every registered step, reporting (not throwing) failures; true when all succeeded. */
  boolean run() {
    boolean clean = true;
    lock.lock();
    try {
      while (!steps.isEmpty()) {
        Step s = steps.pop();
        try {
          s.action().close();
        } catch (Exception e) {
          clean = false;
          System.err.println("bench: cleanup of " + s.name() + " failed: " + e);
          for (Throwable t : e.getSuppressed()) {
            System.err.println("bench:   also: " + t);
          }
        }
      }
    } finally {
      lock.unlock();
    }
    return clean;
  }

  /** Sleeps; an interrupt is the run's abort ({@link Aborted}), the interrupt flag kept. */
  static void sleep(Duration d) {
    try {
      Thread.sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Aborted();
    }
  }

  private void drain() {
    long deadline = System.nanoTime() + DRAIN.toNanos();
    while (inFlight.get() > 0 && System.nanoTime() < deadline) {
      try {
        TimeUnit.MILLISECONDS.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
