package dev.warren.host;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;

/**
 * A virtual thread that runs one round of work every {@code interval} (the first after one
 * interval) until closed. A round that throws is logged and the next one runs as planned: one
 * failing round never ends the loop. {@link #start()} once; {@link #close()} is idempotent,
 * interrupts a round in progress and waits a bounded time for it to end. Thread-safe.
 */
public final class PeriodicTask implements AutoCloseable {
  /** How long {@link #close()} waits for a round in progress. */
  static final Duration STOP_WAIT = Duration.ofSeconds(10);

  private final Duration interval;
  private final Logger log;
  private final String what;
  private final Runnable round;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Thread thread;

  /**
   * @param name the thread's name
   * @param log where a failed round is reported, as "{@code what} failed: …"
   */
  public PeriodicTask(String name, Duration interval, Logger log, String what, Runnable round) {
    this.interval = interval;
    this.log = log;
    this.what = what;
    this.round = round;
    this.thread = Thread.ofVirtual().name(name).unstarted(this::loop);
  }

  public void start() {
    thread.start();
  }

  /** Whether {@link #close()} was called; a long round checks it to stop early. */
  public boolean closed() {
    return closed.get();
  }

  private void loop() {
    while (!closed.get()) {
      try {
        Thread.sleep(interval);
      } catch (InterruptedException e) {
        return;
      }
      try {
        round.run();
      } catch (RuntimeException e) {
        log.warn("{} failed: {}", what, e.getMessage());
      }
    }
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    thread.interrupt();
    if (!thread.isAlive() || thread == Thread.currentThread()) {
      return;
    }
    try {
      if (!thread.join(STOP_WAIT)) {
        log.warn("{} still runs {} s after it was stopped", thread.getName(), STOP_WAIT.toSeconds());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
