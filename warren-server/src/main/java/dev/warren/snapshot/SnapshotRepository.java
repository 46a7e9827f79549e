package dev.warren.snapshot;

import dev.warren.store.Store;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** Snapshot rows. Each method is one statement. */
final class SnapshotRepository {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final String COLUMNS = "id, name, state, origin, sandbox_id, image, image_digest, parent_id, flattened, depth, layer, "
      + "size_bytes, labels, created_at, layer_uid_base";

  private final Store store;

  SnapshotRepository(Store store) {
    this.store = store;
  }

  /** The snapshot with this id, or else this name. */
  Optional<Snapshot> find(String idOrName) {
    return store.read(h -> h.createQuery("SELECT " + COLUMNS + " FROM snapshots WHERE id = :r OR name = :r ORDER BY id = :r DESC")
        .bind("r", idOrName).map((rs, ctx) -> row(rs)).findFirst());
  }

  List<Snapshot> all() {
    return store.read(h -> h.createQuery("SELECT " + COLUMNS + " FROM snapshots ORDER BY created_at, id").map((rs, ctx) -> row(rs)).list());
  }

  /**
   * The ready snapshots that carry every label of {@code labels}, oldest first: the filters are in
   * the query (each label a lookup in the row's JSON object of labels), nothing else is read.
   */
  List<Snapshot> ready(Map<String, String> labels) {
    // SQLite's json_each and PostgreSQL's jsonb_each_text both give (key, value) rows of the labels object
    String each = store.kind().equals("postgresql") ? "jsonb_each_text(CAST(s.labels AS jsonb))" : "json_each(s.labels)";
    StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM snapshots s WHERE s.state = :state");
    for (int i = 0; i < labels.size(); i++) {
      sql.append(" AND EXISTS (SELECT 1 FROM ").append(each).append(" l WHERE l.key = :k").append(i).append(" AND l.value = :v").append(i)
          .append(")");
    }
    sql.append(" ORDER BY s.created_at, s.id");
    return store.read(h -> {
      var q = h.createQuery(sql.toString()).bind("state", Snapshot.State.READY.wire());
      int i = 0;
      for (var e : labels.entrySet()) {
        q.bind("k" + i, e.getKey()).bind("v" + i, e.getValue());
        i++;
      }
      return q.map((rs, ctx) -> row(rs)).list();
    });
  }

  /** The snapshots whose layers stack on {@code id}'s. */
  List<String> stackedOn(String id) {
    return store.read(h -> h.createQuery("SELECT id FROM snapshots WHERE parent_id = :id AND flattened = 0 ORDER BY id")
        .bind("id", id).mapTo(String.class).list());
  }

  boolean nameTaken(String name) {
    return store.read(h -> h.createQuery("SELECT COUNT(*) FROM snapshots WHERE name = :n").bind("n", name).mapTo(Integer.class).one()) > 0;
  }

  void insert(Snapshot s) {
    ObjectNode labels = JSON.createObjectNode();
    s.labels().forEach(labels::put);
    store.writeOne(h -> h.createUpdate("INSERT INTO snapshots (" + COLUMNS + ") VALUES (:id, :name, :state, :origin, :sandbox, :image, "
            + ":digest, :parent, :flattened, :depth, :layer, :size, :labels, :created, :base)")
        .bind("id", s.id()).bind("name", s.name().orElse(null)).bind("state", s.state().wire()).bind("origin", s.origin())
        .bind("sandbox", s.sandboxId()).bind("image", s.image()).bind("digest", s.imageDigest()).bind("parent", s.parentId().orElse(null))
        .bind("flattened", s.flattened() ? 1 : 0).bind("depth", s.depth()).bind("layer", s.layer().orElse(null))
        .bind("size", s.sizeBytes()).bind("labels", JSON.writeValueAsString(labels)).bind("created", s.createdAt().toEpochMilli())
        .bind("base", s.layerUidBase()).execute());
  }

  /** Records that the snapshot's layer is in place. */
  void markReady(Snapshot s) {
    store.writeOne(h -> h.createUpdate("UPDATE snapshots SET state = :state, layer = :layer, size_bytes = :size, layer_uid_base = :base WHERE id = :id")
        .bind("id", s.id()).bind("state", s.state().wire()).bind("layer", s.layer().orElseThrow()).bind("size", s.sizeBytes())
        .bind("base", s.layerUidBase()).execute());
  }

  void delete(String id) {
    store.writeOne(h -> h.createUpdate("DELETE FROM snapshots WHERE id = :id").bind("id", id).execute());
  }

  private static Snapshot row(ResultSet rs) throws SQLException {
    Map<String, String> labels = new LinkedHashMap<>();
    JSON.readTree(rs.getString("labels")).properties().forEach(e -> labels.put(e.getKey(), e.getValue().asString()));
    return new Snapshot(rs.getString("id"), Optional.ofNullable(rs.getString("name")),
        Snapshot.State.valueOf(rs.getString("state").toUpperCase(java.util.Locale.ROOT)), rs.getString("origin"),
        rs.getString("sandbox_id"), rs.getString("image"), rs.getString("image_digest"), Optional.ofNullable(rs.getString("parent_id")),
        rs.getInt("flattened") != 0, rs.getInt("depth"), Optional.ofNullable(rs.getString("layer")), rs.getLong("size_bytes"), labels,
        Instant.ofEpochMilli(rs.getLong("created_at")), rs.getLong("layer_uid_base"));
  }
}
