package dev.warren.browser;

import dev.warren.error.Problem;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Locks by name (a browser key, an idempotency key) that exist only while somebody holds or waits
 * on them: the entry of a name is made by its first user and dropped by its last, so the map does
 * not grow with every name ever used. A wait is bounded; past it the caller gets the exception it
 * named. Thread-safe; an entry's count of users changes only inside the map's atomic compute.
 */
final class KeyLocks {
  /** The lock of one name and how many threads hold or wait on it (guarded by the map's compute). */
  private static final class Entry {
    final ReentrantLock lock = new ReentrantLock();
    int users;
  }

  private final ConcurrentHashMap<String, Entry> locks = new ConcurrentHashMap<>();
  private final Duration wait;

  KeyLocks(Duration wait) {
    this.wait = wait;
  }

  /** Runs {@code work} holding the lock of {@code name}; {@code busy} is thrown when the wait runs out. */
  <T> T locked(String name, Supplier<BrowserException> busy, Supplier<T> work) {
    Entry e = locks.compute(name, (k, v) -> {
      Entry x = v == null ? new Entry() : v;
      x.users++;
      return x;
    });
    try {
      try {
        if (!e.lock.tryLock(wait.toMillis(), TimeUnit.MILLISECONDS)) {
          throw busy.get();
        }
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
        throw new BrowserException(Problem.UNAVAILABLE, "interrupted while waiting for " + name);
      }
      try {
        return work.get();
      } finally {
        e.lock.unlock();
      }
    } finally {
      locks.computeIfPresent(name, (k, v) -> --v.users == 0 ? null : v);
    }
  }

  Duration waitLimit() {
    return wait;
  }

  /** Names held or waited on now. */
  int size() {
    return locks.size();
  }
}
