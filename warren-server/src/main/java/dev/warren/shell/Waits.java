package dev.warren.shell;

import dev.warren.error.Problem;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The synchronous waits for commands in progress (a submit with a wait, {@code GET …?wait=}), so
 * that a controller shutting down can answer them all at once ({@link #endAll()}). Thread-safe: each
 * wait runs on its caller's thread and registers itself here while it waits.
 */
final class Waits {
  private final Set<CompletableFuture<Void>> waits = ConcurrentHashMap.newKeySet();
  private volatile boolean ended;

  /** Makes every wait stop now and answer with the job as it is; the commands run on. */
  void endAll() {
    ended = true;
    waits.forEach(w -> w.complete(null));
  }

  /** Waits up to {@code wait} for {@code f}; a TimeoutException also when {@link #endAll()} is called meanwhile. */
  <T> T await(CompletableFuture<T> f, Duration wait) throws TimeoutException {
    if (!f.isDone()) {
      // one future per wait, dropped after it: a dependent left on a shared future per call would pile up
      CompletableFuture<Void> either = new CompletableFuture<>();
      f.whenComplete((v, e) -> either.complete(null));
      waits.add(either);
      if (ended) {
        either.complete(null);
      }
      try {
        either.get(wait.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ShellException(Problem.UNAVAILABLE, "interrupted");
      } catch (java.util.concurrent.ExecutionException | TimeoutException e) {
        // a timeout is reported below; the job's own failure by get
      } finally {
        waits.remove(either);
      }
      if (!f.isDone()) {
        throw new TimeoutException("not finished within the wait (or the controller is shutting down)");
      }
    }
    return get(f, Duration.ZERO);
  }

  static <T> T get(CompletableFuture<T> f, Duration wait) throws TimeoutException {
    try {
      return f.get(wait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ShellException(Problem.UNAVAILABLE, "interrupted");
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof dev.warren.error.WarrenException we) {
        throw we;
      }
      throw new ShellException(Problem.UNAVAILABLE, e.getCause().getMessage(), e.getCause());
    }
  }
}
