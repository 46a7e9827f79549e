package dev.warren.browser;

import dev.warren.net.EgressPolicy;
import dev.warren.store.Store;
import java.net.URI;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** Browser session rows. */
final class BrowserRepository {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final String COLS = "id, session_key, sandbox_id, state, state_reason, spec, profile, profile_writer, generation, "
      + "created_at, started_at, closed_at, last_activity_at";

  private final Store store;

  BrowserRepository(Store store) {
    this.store = store;
  }

  /** Inserts; fails on the unique key index when another live session has the key. */
  void insert(BrowserSession b) {
    store.writeOne(h -> h.createUpdate("INSERT INTO browsers (" + COLS + ") VALUES (:id, :key, :sbx, :state, :reason, :spec, :profile, "
            + ":writer, :gen, :created, :started, :closed, :activity)")
        .bind("id", b.id()).bind("key", b.key().orElse(null)).bind("sbx", b.sandboxId().orElse(null)).bind("state", b.state().wire())
        .bind("reason", b.stateReason().orElse(null)).bind("spec", specJson(b.spec())).bind("profile", b.spec().profile().orElse(null))
        .bind("writer", b.profileWriter() ? 1 : 0).bind("gen", b.generation()).bind("created", b.createdAt().toEpochMilli())
        .bind("started", b.startedAt().map(Instant::toEpochMilli).orElse(null)).bind("closed", b.closedAt().map(Instant::toEpochMilli).orElse(null))
        .bind("activity", b.lastActivityAt().toEpochMilli()).execute());
  }

  void update(BrowserSession b) {
    store.writeOne(h -> h.createUpdate("UPDATE browsers SET sandbox_id = :sbx, state = :state, state_reason = :reason, generation = :gen, "
            + "profile_writer = :writer, started_at = :started, closed_at = :closed, last_activity_at = :activity WHERE id = :id")
        .bind("id", b.id()).bind("sbx", b.sandboxId().orElse(null)).bind("state", b.state().wire())
        .bind("reason", b.stateReason().orElse(null)).bind("gen", b.generation()).bind("writer", b.profileWriter() ? 1 : 0)
        .bind("started", b.startedAt().map(Instant::toEpochMilli).orElse(null)).bind("closed", b.closedAt().map(Instant::toEpochMilli).orElse(null))
        .bind("activity", b.lastActivityAt().toEpochMilli()).execute());
  }

  /** Stores the last activity time alone. */
  void touch(String id, Instant at) {
    store.writeOne(h -> h.createUpdate("UPDATE browsers SET last_activity_at = :at WHERE id = :id").bind("id", id)
        .bind("at", at.toEpochMilli()).execute());
  }

  Optional<BrowserSession> find(String id) {
    return store.read(h -> h.createQuery("SELECT " + COLS + " FROM browsers WHERE id = :id").bind("id", id).map((rs, c) -> row(rs)).findOne());
  }

  Optional<BrowserSession> liveByKey(String key) {
    return store.read(h -> h.createQuery("SELECT " + COLS + " FROM browsers WHERE session_key = :k AND state IN ('starting', 'ready', 'crashed')")
        .bind("k", key).map((rs, c) -> row(rs)).findOne());
  }

  List<BrowserSession> live() {
    return store.read(h -> h.createQuery("SELECT " + COLS + " FROM browsers WHERE state IN ('starting', 'ready', 'crashed', 'closing') "
        + "ORDER BY created_at").map((rs, c) -> row(rs)).list());
  }

  List<BrowserSession> pooled() {
    return store.read(h -> h.createQuery("SELECT " + COLS + " FROM browsers WHERE state = 'pooled' ORDER BY created_at")
        .map((rs, c) -> row(rs)).list());
  }

  /** Hands a pooled session to a caller: true when this call got it (another may have been faster). */
  boolean claim(BrowserSession b) {
    return store.writeOne(h -> h.createUpdate("UPDATE browsers SET session_key = :key, state = 'ready', spec = :spec, "
            + "last_activity_at = :activity, started_at = :started WHERE id = :id AND state = 'pooled'")
        .bind("id", b.id()).bind("key", b.key().orElse(null)).bind("spec", specJson(b.spec()))
        .bind("activity", b.lastActivityAt().toEpochMilli()).bind("started", b.startedAt().map(Instant::toEpochMilli).orElse(null))
        .execute()) == 1;
  }

  /** The browser an earlier create with this Idempotency-Key made; 409 when that create asked for something else. */
  Optional<String> byIdempotencyKey(dev.warren.store.IdempotencyKey key, String requestHash) {
    Optional<java.util.Map<String, Object>> row = store.read(h -> h.createQuery(
            "SELECT request_hash, resource_id FROM idempotency_keys WHERE scope = 'browser' AND actor = :actor AND idem_key = :k")
        .bind("actor", key.owner()).bind("k", key.key()).mapToMap().findOne());
    if (row.isPresent() && !row.get().get("request_hash").equals(requestHash)) {
      throw new BrowserException(dev.warren.error.Problem.CONFLICT, "Idempotency-Key '" + key + "' was used for a different request");
    }
    return row.map(r -> (String) r.get("resource_id"));
  }

  void rememberIdempotencyKey(dev.warren.store.IdempotencyKey key, String requestHash, String browserId) {
    store.writeOne(h -> h.createUpdate("INSERT INTO idempotency_keys (scope, actor, idem_key, request_hash, resource_id, created_at) "
            + "VALUES ('browser', :actor, :k, :hash, :id, :at)")
        .bind("actor", key.owner()).bind("k", key.key()).bind("hash", requestHash).bind("id", browserId).bind("at", System.currentTimeMillis()).execute());
  }

  /** Forgets the Idempotency-Keys that name session {@code id}: a retry with one makes a new session. */
  void forgetIdempotencyKeys(String id) {
    store.writeOne(h -> h.createUpdate("DELETE FROM idempotency_keys WHERE scope = 'browser' AND resource_id = :id").bind("id", id).execute());
  }

  /** Forgets sessions closed before {@code before} (and their idempotency keys); returns how many. */
  int pruneClosed(java.time.Instant before) {
    return store.write(h -> {
      h.createUpdate("DELETE FROM idempotency_keys WHERE scope = 'browser' AND resource_id IN "
          + "(SELECT id FROM browsers WHERE state = 'closed' AND closed_at < :before)").bind("before", before.toEpochMilli()).execute();
      return h.createUpdate("DELETE FROM browsers WHERE state = 'closed' AND closed_at < :before").bind("before", before.toEpochMilli())
          .execute();
    });
  }

  void delete(String id) {
    store.write(h -> {
      h.createUpdate("DELETE FROM idempotency_keys WHERE scope = 'browser' AND resource_id = :id").bind("id", id).execute();
      return h.createUpdate("DELETE FROM browsers WHERE id = :id").bind("id", id).execute();
    });
  }

  static String specJson(BrowserSpec s) {
    ObjectNode n = JSON.createObjectNode();
    s.key().ifPresent(k -> n.put("key", k));
    s.profile().ifPresent(p -> n.put("profile", p));
    n.put("profileReadOnly", s.profileReadOnly());
    var allow = n.putObject("egress").putArray("allow");
    s.egress().allow().forEach(allow::add);
    s.egress().upstreamProxy().ifPresent(u -> ((ObjectNode) n.get("egress")).put("upstreamProxy", u.toString()));
    if (!s.egress().reach().isEmpty()) {
      var reach = ((ObjectNode) n.get("egress")).putArray("reach");
      s.egress().reach().forEach(reach::add);
    }
    n.put("width", s.width()).put("height", s.height()).put("headless", s.headless());
    n.put("idleTimeoutSeconds", s.idleTimeout().toSeconds()).put("maxLifetimeSeconds", s.maxLifetime().toSeconds());
    n.put("idleAction", s.idleAction().wire()).put("pausedTimeoutSeconds", s.pausedTimeout().toSeconds());
    return JSON.writeValueAsString(n);
  }

  static BrowserSpec spec(String json) {
    JsonNode n = JSON.readTree(json);
    List<String> allow = new ArrayList<>();
    n.path("egress").path("allow").forEach(a -> allow.add(a.asString()));
    List<String> reach = new ArrayList<>();
    n.path("egress").path("reach").forEach(a -> reach.add(a.asString()));
    Optional<URI> up = n.path("egress").hasNonNull("upstreamProxy") ? Optional.of(URI.create(n.path("egress").path("upstreamProxy").asString()))
        : Optional.empty();
    return new BrowserSpec(Optional.ofNullable(n.hasNonNull("key") ? n.get("key").asString() : null),
        Optional.ofNullable(n.hasNonNull("profile") ? n.get("profile").asString() : null), n.path("profileReadOnly").asBoolean(),
        new EgressPolicy(allow, up, reach), n.path("width").asInt(), n.path("height").asInt(), n.path("headless").asBoolean(true),
        Duration.ofSeconds(n.path("idleTimeoutSeconds").asLong()), Duration.ofSeconds(n.path("maxLifetimeSeconds").asLong()),
        // rows from before idle actions close
        BrowserIdleAction.parse(n.path("idleAction").asString("close")).orElse(BrowserIdleAction.CLOSE),
        Duration.ofSeconds(n.path("pausedTimeoutSeconds").asLong()));
  }

  private static Optional<Instant> time(ResultSet rs, String col) throws SQLException {
    long v = rs.getLong(col);
    return rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(v));
  }

  private static BrowserSession row(ResultSet rs) throws SQLException {
    return new BrowserSession(rs.getString("id"), Optional.ofNullable(rs.getString("session_key")),
        Optional.ofNullable(rs.getString("sandbox_id")), BrowserState.parse(rs.getString("state")),
        Optional.ofNullable(rs.getString("state_reason")), spec(rs.getString("spec")), rs.getInt("profile_writer") == 1,
        rs.getLong("generation"), Instant.ofEpochMilli(rs.getLong("created_at")), time(rs, "started_at"), time(rs, "closed_at"),
        Instant.ofEpochMilli(rs.getLong("last_activity_at")));
  }
}
