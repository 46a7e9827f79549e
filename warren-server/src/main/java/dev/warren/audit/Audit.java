package dev.warren.audit;

import dev.warren.store.Store;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit trail: who did what, kept in the store. {@link #record} never blocks and never fails
 * the call it describes: entries are queued and written in batches (one transaction every 200 ms
 * at most), so auditing adds no fsync to an API call. A query first writes what is queued, so it
 * sees every call answered before it. Entries older than the retention are pruned hourly.
 * Thread-safe; {@link #close()} writes what is left.
 */
public final class Audit implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Audit.class);
  private static final int QUEUE = 100_000;
  private static final int BATCH = 1000;
  private static final long WRITE_EVERY_MS = 200;

  private final Store store;
  private final Duration retention;
  private final LinkedBlockingQueue<AuditEntry> queue = new LinkedBlockingQueue<>(QUEUE);
  private final ReentrantLock writing = new ReentrantLock();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicLong dropped = new AtomicLong();
  private final Thread writer;
  private volatile long lastPrune;

  public Audit(Store store, Duration retention) {
    this.store = store;
    this.retention = retention;
    this.writer = Thread.ofVirtual().name("warren-audit").start(this::loop);
  }

  /** Queues an entry; drops it (and counts, and says so in the log) only if 100 000 are waiting. */
  public void record(AuditEntry e) {
    if (!queue.offer(e) && dropped.getAndIncrement() % 1000 == 0) {
      log.warn("audit queue full: entries dropped ({} so far); is the store slow?", dropped.get());
    }
  }

  /** Newest first, filtered by actor, subject and time; every call answered before this one is included. */
  public List<AuditEntry> query(Optional<String> actor, Optional<String> subject, Optional<Instant> since, int limit) {
    flush();
    StringBuilder sql = new StringBuilder("SELECT id, at, actor, method, route, path, subject, status, duration_ms FROM audit WHERE 1 = 1");
    actor.ifPresent(a -> sql.append(" AND actor = :actor"));
    subject.ifPresent(s -> sql.append(" AND subject = :subject"));
    since.ifPresent(s -> sql.append(" AND at >= :since"));
    sql.append(" ORDER BY at DESC, id DESC LIMIT :limit");
    return store.read(h -> {
      var q = h.createQuery(sql.toString()).bind("limit", limit);
      actor.ifPresent(a -> q.bind("actor", a));
      subject.ifPresent(s -> q.bind("subject", s));
      since.ifPresent(s -> q.bind("since", s.toEpochMilli()));
      return q.map((rs, ctx) -> new AuditEntry(rs.getString("id"), Instant.ofEpochMilli(rs.getLong("at")), rs.getString("actor"),
          rs.getString("method"), rs.getString("route"), rs.getString("path"), Optional.ofNullable(rs.getString("subject")),
          rs.getInt("status"), rs.getLong("duration_ms"))).list();
    });
  }

  private void loop() {
    while (!closed.get()) {
      try {
        // one transaction (one fsync) per 200 ms at most, not one per call, so that auditing does
        // not compete with the calls themselves for the database's write lock
        Thread.sleep(WRITE_EVERY_MS);
        flush();
        prune();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        log.warn("cannot write the audit trail: {}", e.getMessage());
        sleep();
      }
    }
  }

  /**
   * Writes every queued entry now. Drained and written under one lock, so that a query's flush
   * returns only once entries another flush took out of the queue are in the store too.
   */
  public void flush() {
    writing.lock();
    try {
      List<AuditEntry> batch = new ArrayList<>();
      while (queue.drainTo(batch, BATCH) > 0) {
        write(batch);
        batch.clear();
      }
    } finally {
      writing.unlock();
    }
  }

  private void write(List<AuditEntry> entries) {
    writing.lock();
    try {
      store.write(h -> {
        var b = h.prepareBatch("INSERT INTO audit (id, at, actor, method, route, path, subject, status, duration_ms) "
            + "VALUES (:id, :at, :actor, :method, :route, :path, :subject, :status, :ms)");
        for (AuditEntry e : entries) {
          b.bind("id", e.id()).bind("at", e.at().toEpochMilli()).bind("actor", e.actor()).bind("method", e.method())
              .bind("route", e.route()).bind("path", e.path()).bind("subject", e.subject().orElse(null)).bind("status", e.status())
              .bind("ms", e.durationMs()).add();
        }
        return b.execute();
      });
    } finally {
      writing.unlock();
    }
  }

  private void prune() {
    long now = System.currentTimeMillis();
    if (retention.isZero() || now - lastPrune < TimeUnit.HOURS.toMillis(1)) {
      return;
    }
    lastPrune = now;
    int n = store.writeOne(h -> h.createUpdate("DELETE FROM audit WHERE at < :before").bind("before", now - retention.toMillis()).execute());
    if (n > 0) {
      log.info("audit: {} entries older than {} days pruned", n, retention.toDays());
    }
  }

  private static void sleep() {
    try {
      Thread.sleep(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      try {
        writer.join(5000);
        flush();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (RuntimeException e) {
        log.warn("audit entries not written at shutdown: {}", e.getMessage());
      }
    }
  }
}
