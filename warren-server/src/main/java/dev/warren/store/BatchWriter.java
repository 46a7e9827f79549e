package dev.warren.store;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rows that must not slow down the call that produces them (audit entries, egress events): {@link
 * #offer} queues and never blocks, and one virtual thread writes what is queued in batches, one
 * transaction (one fsync) per {@code every} at most, then runs {@code afterRound} (pruning). A
 * reader calls {@link #flush()} first to see every row offered before it. Thread-safe: the queue is
 * shared, the writing is serialised by one lock; {@link #close()} writes what is left.
 */
public final class BatchWriter<T> implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BatchWriter.class);
  private static final int BATCH = 1000;

  private final String what;
  private final Store store;
  private final Duration every;
  private final BiConsumer<Handle, List<T>> write;
  private final Runnable afterRound;
  private final LinkedBlockingQueue<T> queue;
  private final ReentrantLock writing = new ReentrantLock();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Thread writer;

  /**
   * @param what names the rows in the thread name and in log lines, e.g. {@code audit}
   * @param write writes one batch inside the transaction it is given
   * @param afterRound runs on the writer thread after each round (e.g. pruning); its failures are logged
   */
  public BatchWriter(String what, Store store, int capacity, Duration every, BiConsumer<Handle, List<T>> write, Runnable afterRound) {
    this.what = what;
    this.store = store;
    this.every = every;
    this.write = write;
    this.afterRound = afterRound;
    this.queue = new LinkedBlockingQueue<>(capacity);
    this.writer = Thread.ofVirtual().name("warren-" + what).start(this::loop);
  }

  /** Queues a row; false (and nothing queued) only when {@code capacity} rows are waiting. */
  public boolean offer(T row) {
    return queue.offer(row);
  }

  private void loop() {
    while (!closed.get()) {
      try {
        Thread.sleep(every);
        flush();
        afterRound.run();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        log.warn("cannot write the {} rows: {}", what, e.getMessage());
        try {
          Thread.sleep(1000);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  /**
   * Writes every queued row now. Drained and written under one lock, so that a reader's flush
   * returns only once rows another flush took out of the queue are in the store too.
   */
  public void flush() {
    writing.lock();
    try {
      List<T> batch = new ArrayList<>();
      while (queue.drainTo(batch, BATCH) > 0) {
        List<T> rows = List.copyOf(batch);
        store.write(h -> {
          write.accept(h, rows);
          return null;
        });
        batch.clear();
      }
    } finally {
      writing.unlock();
    }
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      try {
        writer.join(every.multipliedBy(2).plusSeconds(5));
        flush();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (RuntimeException e) {
        log.warn("{} rows not written at shutdown: {}", what, e.getMessage());
      }
    }
  }
}
