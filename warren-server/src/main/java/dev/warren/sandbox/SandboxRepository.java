package dev.warren.sandbox;

import dev.warren.net.EgressPolicy;
import dev.warren.runtime.Limits;
import dev.warren.store.Store;
import java.net.URI;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Query;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Sandbox rows and their labels. Each method is one statement or one transaction. Rows marked
 * {@code pooled} (the warm pool's, see {@link SandboxPool}) are nobody's yet: the {@code owned}
 * queries leave them out; the others, for the background parts that keep every row true to the
 * host, include them.
 */
final class SandboxRepository {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final String COLUMNS = "id, state, state_reason, image, image_digest, generation, slot, address, spec, "
      + "created_at, started_at, stopped_at, last_activity_at, runtime";

  private final Store store;

  SandboxRepository(Store store) {
    this.store = store;
  }

  Optional<Sandbox> find(String id) {
    return store.read(h -> find(h, id));
  }

  /** What an earlier create with this key of this owner made (another owner's same key is another key). */
  Optional<Sandbox> byIdempotencyKey(dev.warren.store.IdempotencyKey key, String requestHash) {
    Optional<Map<String, Object>> row = store.read(h -> h.createQuery(
            "SELECT request_hash, resource_id FROM idempotency_keys WHERE scope = 'sandbox' AND actor = :actor AND idem_key = :k")
        .bind("actor", key.owner()).bind("k", key.key()).mapToMap().findOne());
    if (row.isEmpty()) {
      return Optional.empty();
    }
    if (!row.get().get("request_hash").equals(requestHash)) {
      throw new SandboxException(dev.warren.error.Problem.CONFLICT, "Idempotency-Key '" + key + "' was used for a different request");
    }
    String id = (String) row.get().get("resource_id");
    return Optional.of(find(id).orElseThrow(() -> new SandboxException(dev.warren.error.Problem.CONFLICT,
        "the sandbox created with Idempotency-Key '" + key + "' (" + id + ") has been deleted")));
  }

  /** A sandbox that is somebody's: not one of the pool's. */
  Optional<Sandbox> findOwned(String id) {
    return store.read(h -> h.createQuery("SELECT " + COLUMNS + " FROM sandboxes WHERE id = :id AND pooled = 0")
        .bind("id", id).map((rs, ctx) -> row(rs)).findOne());
  }

  /** One of the pool's sandboxes, not handed out yet. */
  Optional<Sandbox> findPooled(String id) {
    return store.read(h -> h.createQuery("SELECT " + COLUMNS + " FROM sandboxes WHERE id = :id AND pooled = 1")
        .bind("id", id).map((rs, ctx) -> row(rs)).findOne());
  }

  static Optional<Sandbox> find(Handle h, String id) {
    return h.createQuery("SELECT " + COLUMNS + " FROM sandboxes WHERE id = :id")
        .bind("id", id).map((rs, ctx) -> row(rs)).findOne();
  }

  List<Sandbox> all() {
    return store.read(h -> h.createQuery("SELECT " + COLUMNS + " FROM sandboxes ORDER BY created_at, id")
        .map((rs, ctx) -> row(rs)).list());
  }

  /** Every row in {@code state}, the pool's included. */
  List<Sandbox> list(Map<String, String> labels, Optional<SandboxState> state) {
    return list(labels, state, true);
  }

  /** The rows that are somebody's (not the pool's). */
  List<Sandbox> listOwned(Map<String, String> labels, Optional<SandboxState> state) {
    return list(labels, state, false);
  }

  private List<Sandbox> list(Map<String, String> labels, Optional<SandboxState> state, boolean withPooled) {
    StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM sandboxes s WHERE " + (withPooled ? "1 = 1" : "pooled = 0"));
    if (state.isPresent()) {
      sql.append(" AND state = :state");
    }
    int i = 0;
    for (String ignored : labels.keySet()) {
      sql.append(" AND EXISTS (SELECT 1 FROM sandbox_labels l WHERE l.sandbox_id = s.id AND l.name = :n").append(i)
          .append(" AND l.value = :v").append(i).append(")");
      i++;
    }
    sql.append(" ORDER BY created_at, id");
    return store.read(h -> {
      Query q = h.createQuery(sql.toString());
      state.ifPresent(s -> q.bind("state", s.wire()));
      int j = 0;
      for (var e : labels.entrySet()) {
        q.bind("n" + j, e.getKey()).bind("v" + j, e.getValue());
        j++;
      }
      return q.map((rs, ctx) -> row(rs)).list();
    });
  }

  List<Integer> usedSlots(Handle h) {
    return h.createQuery("SELECT slot FROM sandboxes").mapTo(Integer.class).list();
  }

  /** The sandboxes that count against WARREN_MAX_SANDBOXES: the pool's do not. */
  int count(Handle h) {
    return h.createQuery("SELECT COUNT(*) FROM sandboxes WHERE pooled = 0").mapTo(Integer.class).one();
  }

  /** The pool's rows (any state), oldest first. */
  List<Sandbox> pooled() {
    return store.read(h -> h.createQuery("SELECT " + COLUMNS + " FROM sandboxes WHERE pooled = 1 ORDER BY created_at, id")
        .map((rs, ctx) -> row(rs)).list());
  }

  void insert(Handle h, Sandbox s) {
    insert(h, s, false);
  }

  /** Inserts {@code s}, as one of the pool's when {@code pooled}. */
  void insert(Handle h, Sandbox s, boolean pooled) {
    long now = System.currentTimeMillis();
    h.createUpdate("INSERT INTO sandboxes (" + COLUMNS + ", updated_at, pooled) VALUES (:id, :state, :reason, :image, :digest, "
            + ":generation, :slot, :address, :spec, :created, :started, :stopped, :activity, :runtime, :updated, :pooled)")
        .bind("id", s.id()).bind("state", s.state().wire()).bind("reason", s.stateReason().orElse(null))
        .bind("image", s.spec().image()).bind("digest", s.imageDigest()).bind("generation", s.generation())
        .bind("slot", s.slot()).bind("address", s.address()).bind("spec", specJson(s.spec()))
        .bind("created", s.createdAt().toEpochMilli()).bind("started", millis(s.startedAt()))
        .bind("stopped", millis(s.stoppedAt())).bind("activity", s.lastActivityAt().toEpochMilli()).bind("updated", now)
        .bind("runtime", s.spec().runtime().orElse(null))
        .bind("pooled", pooled ? 1 : 0).execute();
    for (var e : s.spec().labels().entrySet()) {
      h.createUpdate("INSERT INTO sandbox_labels (sandbox_id, name, value) VALUES (:id, :n, :v)")
          .bind("id", s.id()).bind("n", e.getKey()).bind("v", e.getValue()).execute();
    }
    dev.warren.volume.VolumeRepository.claim(h, s.id(), s.spec().volumes());
  }

  /** Writes the life-cycle columns of {@code s}; returns it. */
  Sandbox update(Sandbox s) {
    store.writeOne(h -> h.createUpdate("UPDATE sandboxes SET state = :state, state_reason = :reason, generation = :generation, address = :address, "
            + "started_at = :started, stopped_at = :stopped, last_activity_at = :activity, updated_at = :updated WHERE id = :id")
        .bind("id", s.id()).bind("state", s.state().wire()).bind("reason", s.stateReason().orElse(null))
        .bind("generation", s.generation()).bind("address", s.address()).bind("started", millis(s.startedAt())).bind("stopped", millis(s.stoppedAt()))
        .bind("activity", s.lastActivityAt().toEpochMilli()).bind("updated", System.currentTimeMillis())
        .execute());
    return s;
  }

  /**
   * Hands the pooled sandbox {@code claimed.id()} over, in the transaction of {@code h}: its row is
   * nobody's pool's any more and carries the caller's spec and labels; its creation, start and
   * activity times are the hand-out's (to its caller, it was made then). False (and
   * nothing written) when it is not a running pooled sandbox any more.
   */
  static boolean claim(Handle h, Sandbox claimed) {
    int n = h.createUpdate("UPDATE sandboxes SET pooled = 0, spec = :spec, created_at = :created, started_at = :started, "
            + "last_activity_at = :activity, updated_at = :updated WHERE id = :id AND pooled = 1 AND state = 'running'")
        .bind("id", claimed.id()).bind("spec", specJson(claimed.spec())).bind("created", claimed.createdAt().toEpochMilli())
        .bind("started", millis(claimed.startedAt())).bind("activity", claimed.lastActivityAt().toEpochMilli())
        .bind("updated", System.currentTimeMillis()).execute();
    if (n != 1) {
      return false;
    }
    h.createUpdate("DELETE FROM sandbox_labels WHERE sandbox_id = :id").bind("id", claimed.id()).execute();
    for (var e : claimed.spec().labels().entrySet()) {
      h.createUpdate("INSERT INTO sandbox_labels (sandbox_id, name, value) VALUES (:id, :n, :v)")
          .bind("id", claimed.id()).bind("n", e.getKey()).bind("v", e.getValue()).execute();
    }
    return true;
  }

  /** Records that the create with {@code key} (of its owner) made {@code id}, in the transaction of {@code h}. */
  static void rememberKey(Handle h, dev.warren.store.IdempotencyKey key, String requestHash, String id, Instant at) {
    h.createUpdate("INSERT INTO idempotency_keys (scope, actor, idem_key, request_hash, resource_id, created_at) "
            + "VALUES ('sandbox', :actor, :k, :hash, :id, :at)")
        .bind("actor", key.owner()).bind("k", key.key()).bind("hash", requestHash).bind("id", id).bind("at", at.toEpochMilli()).execute();
  }

  /**
   * Records {@code runtime} as the runtime of every sandbox stored before sandboxes named theirs
   * (the controller's {@code WARREN_RUNTIME}, which made them); how many rows it changed.
   */
  int fillRuntime(String runtime) {
    return store.writeOne(h -> h.createUpdate("UPDATE sandboxes SET runtime = :runtime WHERE runtime IS NULL").bind("runtime", runtime).execute());
  }

  void touch(Map<String, Instant> activity) {
    if (activity.isEmpty()) {
      return;
    }
    store.write(h -> {
      var batch = h.prepareBatch("UPDATE sandboxes SET last_activity_at = :at WHERE id = :id AND last_activity_at < :at");
      activity.forEach((id, at) -> batch.bind("id", id).bind("at", at.toEpochMilli()).add());
      return batch.execute();
    });
  }

  /**
   * Marks an interrupted create as being deleted, {@code reason} saying why, and forgets its
   * Idempotency-Key at once: a retry with the key makes the sandbox anew while the rest of its
   * undoing goes on.
   */
  void interruptCreate(String id, String reason) {
    store.write(h -> {
      h.createUpdate("UPDATE sandboxes SET state = 'deleting', state_reason = :reason, updated_at = :updated WHERE id = :id")
          .bind("id", id).bind("reason", reason).bind("updated", System.currentTimeMillis()).execute();
      return h.createUpdate("DELETE FROM idempotency_keys WHERE resource_id = :id").bind("id", id).execute();
    });
  }

  void delete(String id) {
    store.write(h -> {
      h.createUpdate("DELETE FROM sandbox_labels WHERE sandbox_id = :id").bind("id", id).execute();
      dev.warren.volume.VolumeRepository.release(h, id);
      h.createUpdate("DELETE FROM idempotency_keys WHERE resource_id = :id").bind("id", id).execute();
      return h.createUpdate("DELETE FROM sandboxes WHERE id = :id").bind("id", id).execute();
    });
  }

  private static Long millis(Optional<Instant> t) {
    return t.map(Instant::toEpochMilli).orElse(null);
  }

  private static Optional<Instant> instant(ResultSet rs, String col) throws SQLException {
    long v = rs.getLong(col);
    return rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(v));
  }

  private static Sandbox row(ResultSet rs) throws SQLException {
    return new Sandbox(
        rs.getString("id"),
        SandboxState.parse(rs.getString("state")),
        Optional.ofNullable(rs.getString("state_reason")),
        spec(rs.getString("image"), rs.getString("spec")).withRuntime(rs.getString("runtime")),
        rs.getString("image_digest"),
        rs.getLong("generation"),
        rs.getInt("slot"),
        rs.getString("address"),
        Instant.ofEpochMilli(rs.getLong("created_at")),
        instant(rs, "started_at"),
        instant(rs, "stopped_at"),
        Instant.ofEpochMilli(rs.getLong("last_activity_at")));
  }

  static String specJson(SandboxSpec spec) {
    ObjectNode n = JSON.createObjectNode();
    ObjectNode env = n.putObject("env");
    spec.env().forEach(env::put);
    ObjectNode labels = n.putObject("labels");
    spec.labels().forEach(labels::put);
    ObjectNode limits = n.putObject("limits").put("memoryMb", spec.limits().memoryMb()).put("pids", spec.limits().pids())
        .put("cpus", spec.limits().cpus());
    if (spec.limits().hasDisk()) {
      limits.put("diskMb", spec.limits().diskMb()).put("diskInodes", spec.limits().diskInodes());
    }
    ObjectNode egress = n.putObject("egress");
    var allow = egress.putArray("allow");
    spec.egress().allow().forEach(allow::add);
    spec.egress().upstreamProxy().ifPresent(u -> egress.put("upstreamProxy", u.toString()));
    if (!spec.egress().reach().isEmpty()) {
      var reach = egress.putArray("reach");
      spec.egress().reach().forEach(reach::add);
    }
    n.put("idleTimeoutSeconds", spec.idleTimeout().toSeconds());
    n.put("idleAction", spec.idleAction().wire());
    n.put("pausedTimeoutSeconds", spec.pausedTimeout().toSeconds());
    spec.desktop().ifPresent(d -> n.putObject("desktop").put("width", d.width()).put("height", d.height()));
    spec.snapshot().ifPresent(id -> n.put("snapshot", id));
    if (!spec.volumes().isEmpty()) {
      var volumes = n.putArray("volumes");
      spec.volumes().forEach(v -> volumes.addObject().put("name", v.name()).put("path", v.path()).put("readOnly", v.readOnly()));
    }
    return JSON.writeValueAsString(n);
  }

  /** The strings of a JSON array (none when it is missing). */
  static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(a -> out.add(a.asString()));
    return out;
  }

  static SandboxSpec spec(String image, String json) {
    JsonNode n = JSON.readTree(json);
    Map<String, String> env = new LinkedHashMap<>();
    n.path("env").properties().forEach(e -> env.put(e.getKey(), e.getValue().asString()));
    Map<String, String> labels = new LinkedHashMap<>();
    n.path("labels").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asString()));
    JsonNode l = n.path("limits");
    List<String> allow = new ArrayList<>();
    n.path("egress").path("allow").forEach(a -> allow.add(a.asString()));
    Optional<URI> upstream = n.path("egress").hasNonNull("upstreamProxy")
        ? Optional.of(URI.create(n.path("egress").path("upstreamProxy").asString())) : Optional.empty();
    return new SandboxSpec(image, env, labels,
        // sandboxes stored before disk limits have none: their changes stay in a plain directory
        new Limits(l.path("memoryMb").asInt(), l.path("pids").asInt(), l.path("cpus").asDouble(), l.hasNonNull("diskMb") ? l.path("diskMb").asInt() : Limits.NO_DISK,
            l.hasNonNull("diskInodes") ? l.path("diskInodes").asLong() : Limits.NO_DISK),
        new EgressPolicy(allow, upstream, strings(n.path("egress").path("reach"))), Duration.ofSeconds(n.path("idleTimeoutSeconds").asLong()),
        n.hasNonNull("desktop") ? Optional.of(new Desktop(n.path("desktop").path("width").asInt(), n.path("desktop").path("height").asInt()))
            : Optional.empty(),
        // sandboxes stored before pausing were stopped when idle
        IdleAction.parse(n.path("idleAction").asString("stop")).orElse(IdleAction.STOP), Duration.ofSeconds(n.path("pausedTimeoutSeconds").asLong()),
        n.hasNonNull("snapshot") ? Optional.of(n.path("snapshot").asString()) : Optional.empty(), volumes(n.path("volumes")));
  }

  private static List<dev.warren.runtime.VolumeMount> volumes(JsonNode array) {
    List<dev.warren.runtime.VolumeMount> out = new ArrayList<>();
    array.forEach(v -> out.add(new dev.warren.runtime.VolumeMount(v.path("name").asString(), v.path("path").asString(),
        v.path("readOnly").asBoolean())));
    return out;
  }
}
