package dev.warren.net;

import dev.warren.config.EgressLimits;
import dev.warren.error.Ids;
import dev.warren.store.BatchWriter;
import dev.warren.store.Store;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every connection the egress proxy handled, kept in the store and queryable per sandbox, within
 * bounds: at most {@code logRate} entries per second per sandbox (past it, one summary entry counts
 * the rest, see {@link EgressBudgets}), at most {@code logMaxPerSandbox} entries per sandbox and none
 * older than {@code logRetention} (pruned every minute). {@link #accept} never blocks the proxy:
 * entries are written in batches ({@link BatchWriter}); a query writes what is queued first.
 * Thread-safe; {@link #close()} writes what is left.
 */
public final class EgressLog implements Consumer<EgressEvent>, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger("egress");
  private static final int QUEUE = 100_000;
  private static final Duration WRITE_EVERY = Duration.ofMillis(200);
  static final Duration SUMMARY_EVERY = Duration.ofSeconds(10);
  private static final long PRUNE_EVERY_MS = 60_000;

  private final Store store;
  private final EgressLimits limits;
  private final EgressBudgets budgets;
  private final BatchWriter<EgressEvent> writer;
  private final Set<String> written = ConcurrentHashMap.newKeySet();
  private final AtomicLong dropped = new AtomicLong();
  private volatile long lastPrune = System.currentTimeMillis();

  public EgressLog(Store store, EgressLimits limits) {
    this.store = store;
    this.limits = limits;
    this.budgets = new EgressBudgets(limits.logRate());
    this.writer = new BatchWriter<>("egress-log", store, QUEUE, WRITE_EVERY, EgressLog::insert, this::afterRound);
  }

  @Override
  public void accept(EgressEvent e) {
    if (budgets.admit(e)) {
      queue(e);
    }
  }

  private void queue(EgressEvent e) {
    log.info("{} {} {}:{} {}{}", e.sandboxId().orElse(e.clientAddress()), e.method(), e.host(), e.port(),
        e.allowed() ? "allowed" : "refused", e.reason().map(r -> " (" + r + ")").orElse(""));
    if (writer.offer(e)) {
      e.sandboxId().ifPresent(written::add);
    } else if (dropped.getAndIncrement() % 1000 == 0) {
      log.warn("egress log queue full: entries dropped ({} so far); is the store slow?", dropped.get());
    }
  }

  private static void insert(Handle h, List<EgressEvent> events) {
    var b = h.prepareBatch("INSERT INTO egress_events (id, sandbox_id, client, method, host, port, allowed, reason, "
        + "via_upstream, bytes_out, bytes_in, started_at, duration_ms) VALUES (:id, :sbx, :client, :method, :host, :port, "
        + ":allowed, :reason, :up, :out, :in, :at, :ms)");
    for (EgressEvent e : events) {
      b.bind("id", Ids.next("egr")).bind("sbx", e.sandboxId().orElse(null)).bind("client", e.clientAddress())
          .bind("method", e.method()).bind("host", e.host()).bind("port", e.port()).bind("allowed", e.allowed() ? 1 : 0)
          .bind("reason", e.reason().orElse(null)).bind("up", e.viaUpstream() ? 1 : 0).bind("out", e.bytesOut())
          .bind("in", e.bytesIn()).bind("at", e.startedAt().toEpochMilli()).bind("ms", e.duration().toMillis()).add();
    }
    b.execute();
  }

  private void afterRound() {
    budgets.due(SUMMARY_EVERY).forEach(this::queue);
    long now = System.currentTimeMillis();
    if (now - lastPrune >= PRUNE_EVERY_MS) {
      lastPrune = now;
      prune(now);
    }
  }

  /** Drops entries past the retention, then the oldest of each sandbox written to since the last prune past its count. */
  void prune(long now) {
    if (!limits.logRetention().isZero()) {
      int n = store.writeOne(h -> h.createUpdate("DELETE FROM egress_events WHERE started_at < :before")
          .bind("before", now - limits.logRetention().toMillis()).execute());
      if (n > 0) {
        log.info("egress log: {} entries older than {} pruned", n, limits.logRetention());
      }
    }
    if (limits.logMaxPerSandbox() == 0) {
      written.clear();
      return;
    }
    for (String id : List.copyOf(written)) {
      written.remove(id);
      Optional<Map<String, Object>> oldestKept = store.read(h -> h.createQuery("SELECT started_at, id FROM egress_events "
              + "WHERE sandbox_id = :s ORDER BY started_at DESC, id DESC LIMIT 1 OFFSET :keep")
          .bind("s", id).bind("keep", limits.logMaxPerSandbox() - 1).mapToMap().findOne());
      oldestKept.ifPresent(row -> store.writeOne(h -> h.createUpdate("DELETE FROM egress_events WHERE sandbox_id = :s "
              + "AND (started_at < :at OR (started_at = :at AND id < :id))")
          .bind("s", id).bind("at", ((Number) row.get("started_at")).longValue()).bind("id", (String) row.get("id")).execute()));
    }
  }

  /** Newest first; includes everything handled before the call, and the summary of what the rate held back. */
  public List<EgressEvent> forSandbox(String sandboxId, int limit) {
    budgets.summary(sandboxId).ifPresent(this::queue);
    writer.flush();
    return store.read(h -> h.createQuery("SELECT * FROM egress_events WHERE sandbox_id = :id ORDER BY started_at DESC, id DESC LIMIT :limit")
        .bind("id", sandboxId).bind("limit", limit)
        .map((rs, ctx) -> new EgressEvent(Optional.ofNullable(rs.getString("sandbox_id")), rs.getString("client"),
            rs.getString("method"), rs.getString("host"), rs.getInt("port"), rs.getInt("allowed") == 1,
            Optional.ofNullable(rs.getString("reason")), rs.getInt("via_upstream") == 1, rs.getLong("bytes_out"),
            rs.getLong("bytes_in"), Instant.ofEpochMilli(rs.getLong("started_at")), Duration.ofMillis(rs.getLong("duration_ms"))))
        .list());
  }

  public void deleteForSandbox(String sandboxId) {
    writer.flush();
    budgets.forget(sandboxId);
    written.remove(sandboxId);
    store.write(h -> h.createUpdate("DELETE FROM egress_events WHERE sandbox_id = :id").bind("id", sandboxId).execute());
  }

  @Override
  public void close() {
    budgets.due(Duration.ofNanos(-1)).forEach(this::queue);
    writer.close();
  }
}
