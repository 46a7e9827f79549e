package dev.warren.audit;

import dev.warren.store.BatchWriter;
import dev.warren.store.Store;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jdbi.v3.core.Handle;
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
  // one transaction (one fsync) per 200 ms at most, not one per call, so that auditing does not
  // compete with the calls themselves for the database's write lock
  private static final Duration WRITE_EVERY = Duration.ofMillis(200);

  private final Store store;
  private final Duration retention;
  private final AtomicLong dropped = new AtomicLong();
  private final BatchWriter<AuditEntry> writer;
  private volatile long lastPrune;

  public Audit(Store store, Duration retention) {
    this.store = store;
    this.retention = retention;
    this.writer = new BatchWriter<>("audit", store, QUEUE, WRITE_EVERY, Audit::write, this::prune);
  }

  /** Queues an entry; drops it (and counts, and says so in the log) only if 100 000 are waiting. */
  public void record(AuditEntry e) {
    if (!writer.offer(e) && dropped.getAndIncrement() % 1000 == 0) {
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

  /** Writes every queued entry now. */
  public void flush() {
    writer.flush();
  }

  private static void write(Handle h, List<AuditEntry> entries) {
    var b = h.prepareBatch("INSERT INTO audit (id, at, actor, method, route, path, subject, status, duration_ms) "
        + "VALUES (:id, :at, :actor, :method, :route, :path, :subject, :status, :ms)");
    for (AuditEntry e : entries) {
      b.bind("id", e.id()).bind("at", e.at().toEpochMilli()).bind("actor", e.actor()).bind("method", e.method())
          .bind("route", e.route()).bind("path", e.path()).bind("subject", e.subject().orElse(null)).bind("status", e.status())
          .bind("ms", e.durationMs()).add();
    }
    b.execute();
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

  @Override
  public void close() {
    writer.close();
  }
}
