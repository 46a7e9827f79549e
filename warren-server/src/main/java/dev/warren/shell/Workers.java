package dev.warren.shell;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The threads {@link CommandQueue} starts for the work around a command (preparing files, feeding and
 * closing stdin, recording an end, enforcing a timeout). Each registers itself here while it runs;
 * {@link #close(Duration)} refuses new ones, interrupts the running ones and joins them within a
 * bound, so a closed {@link ShellService} leaves none behind. Thread-safe.
 */
final class Workers {
  private static final Logger log = LoggerFactory.getLogger(Workers.class);

  private final Set<Thread> running = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  /** Runs {@code work} on a new virtual thread; false (and nothing run) once closed. */
  boolean virtual(String name, Runnable work) {
    return start(Thread.ofVirtual().name(name), work);
  }

  /** Runs {@code work} on a new platform thread (for blocking FIFO writes, which would pin a virtual thread's carrier). */
  boolean platform(String name, Runnable work) {
    return start(Thread.ofPlatform().daemon().name(name), work);
  }

  private boolean start(Thread.Builder builder, Runnable work) {
    if (closed) {
      return false;
    }
    Thread t = builder.unstarted(() -> {
      try {
        work.run();
      } catch (RuntimeException e) {
        // nobody joins these threads for their outcome: say what went wrong rather than lose it on stderr
        log.warn("{} failed: {}", Thread.currentThread().getName(), e.toString());
      } finally {
        running.remove(Thread.currentThread());
      }
    });
    running.add(t);
    // close() may have run between the check and the add: it would not see this thread
    if (closed) {
      running.remove(t);
      return false;
    }
    t.start();
    return true;
  }

  boolean closed() {
    return closed;
  }

  /** Threads still running. */
  int size() {
    return running.size();
  }

  /** Refuses new threads, interrupts the running ones and waits up to {@code bound} for them to end. */
  void close(Duration bound) {
    closed = true;
    List<Thread> left = List.copyOf(running);
    left.forEach(Thread::interrupt);
    long deadline = System.nanoTime() + bound.toNanos();
    for (Thread t : left) {
      try {
        long ms = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
        if (!t.join(Duration.ofMillis(ms))) {
          log.warn("thread {} did not end within {} ms of the shell service closing", t.getName(), bound.toMillis());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
