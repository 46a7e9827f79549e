package dev.warren.host;

import dev.warren.error.Problem;
import dev.warren.error.WarrenException;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Locks by name (a sandbox id, a browser key, an idempotency key) that exist only while somebody
 * holds or waits on them: the entry of a name is made by its first user and dropped by its last,
 * so the map does not grow with every name ever used, and a name never gets a second lock while a
 * thread still waits on the first. A wait is bounded; past it the caller gets the exception it
 * named. Thread-safe; an entry's count of users changes only inside the map's atomic compute.
 */
public final class NamedLocks {
  /** The lock of one name and how many threads hold or wait on it (guarded by the map's compute). */
  private static final class Entry {
    final ReentrantLock lock = new ReentrantLock();
    int users;
  }

  /** A lock taken by {@link #hold}; {@code close()} releases it. */
  public interface Held extends AutoCloseable {
    @Override
    void close();
  }

  private final ConcurrentHashMap<String, Entry> locks = new ConcurrentHashMap<>();
  private final Duration wait;

  public NamedLocks(Duration wait) {
    this.wait = wait;
  }

  private Entry use(String name) {
    return locks.compute(name, (k, v) -> {
      Entry x = v == null ? new Entry() : v;
      x.users++;
      return x;
    });
  }

  private void release(String name) {
    locks.computeIfPresent(name, (k, v) -> --v.users == 0 ? null : v);
  }

  /** Runs {@code work} holding the lock of {@code name}; {@code busy} is thrown when the wait runs out. */
  public <T> T locked(String name, Supplier<? extends RuntimeException> busy, Supplier<T> work) {
    Entry e = use(name);
    try {
      try {
        if (!e.lock.tryLock(wait.toMillis(), TimeUnit.MILLISECONDS)) {
          throw busy.get();
        }
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
        throw new WarrenException(Problem.UNAVAILABLE, "interrupted while waiting for " + name);
      }
      try {
        return work.get();
      } finally {
        e.lock.unlock();
      }
    } finally {
      release(name);
    }
  }

  /** Runs {@code work} holding the lock of {@code name} when nobody holds it now; false (and nothing run) when somebody does. */
  public boolean tryLocked(String name, Runnable work) {
    Entry e = use(name);
    try {
      if (!e.lock.tryLock()) {
        return false;
      }
      try {
        work.run();
        return true;
      } finally {
        e.lock.unlock();
      }
    } finally {
      release(name);
    }
  }

  /**
   * Takes the lock of a name nobody else knows yet (one just made) for work of several steps,
   * without a bound; the caller closes what it gets, on the same thread, once.
   */
  public Held hold(String name) {
    Entry e = use(name);
    e.lock.lock();
    return () -> {
      e.lock.unlock();
      release(name);
    };
  }

  public Duration waitLimit() {
    return wait;
  }

  /** Names held or waited on now. */
  public int size() {
    return locks.size();
  }
}
