package dev.warren.host;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.function.Supplier;

/**
 * A step of the controller's start run on a platform thread of its own, beside the steps that do
 * not need it (the runtime's checks beside the opening of the store, the network's beside crun's,
 * the store's query layer beside its schema check), taken back with {@link #join()}, which returns
 * its result or throws what it threw. Used by the one thread that started it.
 *
 * @param <T> what the step makes ({@link Void} for a step run for its effect)
 */
public final class Beside<T> {
  private final FutureTask<T> task;

  private Beside(FutureTask<T> task) {
    this.task = task;
  }

  /** Starts {@code step} on a platform thread named {@code name}. */
  public static Beside<Void> run(String name, Runnable step) {
    return start(name, new FutureTask<>(step, null));
  }

  /** Starts making {@code step}'s result on a platform thread named {@code name}. */
  public static <T> Beside<T> compute(String name, Supplier<T> step) {
    return start(name, new FutureTask<>(step::get));
  }

  private static <T> Beside<T> start(String name, FutureTask<T> task) {
    Thread.ofPlatform().name(name).start(task);
    return new Beside<>(task);
  }

  /**
   * Runs {@code step} on a thread named {@code name} while this thread runs {@code own}, and returns
   * once both are over; throws what {@code own} threw (with what {@code step} threw added), else
   * what {@code step} threw.
   */
  public static void alongside(String name, Runnable step, Runnable own) {
    Beside<Void> side = run(name, step);
    try {
      own.run();
    } catch (RuntimeException | Error e) {
      side.joinAfter(e);
      throw e;
    }
    side.join();
  }

  /** Waits for the step to end; returns its result or throws what it threw (an unchecked exception or error as it was). */
  public T join() {
    try {
      return task.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for a step of the start", e);
    }
  }

  /**
   * Waits for the step to end after the caller's own work failed with {@code failure}, so nothing
   * runs on once it is reported; what the step threw is added to {@code failure} as suppressed,
   * unless it is {@code failure} itself (the caller's work was joining this step).
   */
  public void joinAfter(Throwable failure) {
    try {
      join();
    } catch (RuntimeException | Error other) {
      if (other != failure) {
        failure.addSuppressed(other);
      }
    }
  }
}
