package dev.warren.net;

import dev.warren.error.Ids;
import dev.warren.store.Store;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Every connection the egress proxy handled, kept in the store and queryable per sandbox. */
public final class EgressLog implements Consumer<EgressEvent> {
  private static final Logger log = LoggerFactory.getLogger("egress");
  private final Store store;

  public EgressLog(Store store) {
    this.store = store;
  }

  @Override
  public void accept(EgressEvent e) {
    log.info("{} {} {}:{} {}{}", e.sandboxId().orElse(e.clientAddress()), e.method(), e.host(), e.port(),
        e.allowed() ? "allowed" : "refused", e.reason().map(r -> " (" + r + ")").orElse(""));
    try {
      store.writeOne(h -> h.createUpdate("INSERT INTO egress_events (id, sandbox_id, client, method, host, port, allowed, reason, "
              + "via_upstream, bytes_out, bytes_in, started_at, duration_ms) VALUES (:id, :sbx, :client, :method, :host, :port, "
              + ":allowed, :reason, :up, :out, :in, :at, :ms)")
          .bind("id", Ids.next("egr")).bind("sbx", e.sandboxId().orElse(null)).bind("client", e.clientAddress())
          .bind("method", e.method()).bind("host", e.host()).bind("port", e.port()).bind("allowed", e.allowed() ? 1 : 0)
          .bind("reason", e.reason().orElse(null)).bind("up", e.viaUpstream() ? 1 : 0).bind("out", e.bytesOut())
          .bind("in", e.bytesIn()).bind("at", e.startedAt().toEpochMilli()).bind("ms", e.duration().toMillis()).execute());
    } catch (RuntimeException ex) {
      log.warn("cannot store egress event: {}", ex.getMessage());
    }
  }

  /** Newest first. */
  public List<EgressEvent> forSandbox(String sandboxId, int limit) {
    return store.read(h -> h.createQuery("SELECT * FROM egress_events WHERE sandbox_id = :id ORDER BY started_at DESC, id DESC LIMIT :limit")
        .bind("id", sandboxId).bind("limit", limit)
        .map((rs, ctx) -> new EgressEvent(Optional.ofNullable(rs.getString("sandbox_id")), rs.getString("client"),
            rs.getString("method"), rs.getString("host"), rs.getInt("port"), rs.getInt("allowed") == 1,
            Optional.ofNullable(rs.getString("reason")), rs.getInt("via_upstream") == 1, rs.getLong("bytes_out"),
            rs.getLong("bytes_in"), Instant.ofEpochMilli(rs.getLong("started_at")), Duration.ofMillis(rs.getLong("duration_ms"))))
        .list());
  }

  public void deleteForSandbox(String sandboxId) {
    store.write(h -> h.createUpdate("DELETE FROM egress_events WHERE sandbox_id = :id").bind("id", sandboxId).execute());
  }
}
