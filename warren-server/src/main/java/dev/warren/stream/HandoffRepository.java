package dev.warren.stream;

import dev.warren.store.Store;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Handoff rows. */
final class HandoffRepository {
  private static final String COLS = "id, browser_id, state, reason, taken_by, profile_saved, detail, created_at, updated_at, ended_at";
  private final Store store;

  HandoffRepository(Store store) {
    this.store = store;
  }

  void insert(Handoff h) {
    store.writeOne(x -> x.createUpdate("INSERT INTO handoffs (" + COLS + ") VALUES (:id, :b, :state, :reason, :taken, :saved, :detail, "
            + ":created, :updated, :ended)")
        .bind("id", h.id()).bind("b", h.browserId()).bind("state", h.state().wire()).bind("reason", h.reason())
        .bind("taken", h.takenBy().orElse(null)).bind("saved", h.profileSaved() ? 1 : 0).bind("detail", h.detail().orElse(null))
        .bind("created", h.createdAt().toEpochMilli()).bind("updated", h.updatedAt().toEpochMilli())
        .bind("ended", h.endedAt().map(Instant::toEpochMilli).orElse(null)).execute());
  }

  /** Stores {@code h} if the row is still in state {@code from}; false when someone else moved it first. */
  boolean update(Handoff h, Handoff.State from) {
    return store.writeOne(x -> x.createUpdate("UPDATE handoffs SET state = :state, taken_by = :taken, profile_saved = :saved, "
            + "detail = :detail, updated_at = :updated, ended_at = :ended WHERE id = :id AND state = :from")
        .bind("id", h.id()).bind("state", h.state().wire()).bind("taken", h.takenBy().orElse(null)).bind("saved", h.profileSaved() ? 1 : 0)
        .bind("detail", h.detail().orElse(null)).bind("updated", h.updatedAt().toEpochMilli())
        .bind("ended", h.endedAt().map(Instant::toEpochMilli).orElse(null)).bind("from", from.wire()).execute()) == 1;
  }

  Optional<Handoff> find(String id) {
    return store.read(x -> x.createQuery("SELECT " + COLS + " FROM handoffs WHERE id = :id").bind("id", id).map((rs, c) -> row(rs)).findOne());
  }

  /** The open handoff of a browser session, if any (the oldest when several). */
  Optional<Handoff> open(String browserId) {
    return store.read(x -> x.createQuery("SELECT " + COLS + " FROM handoffs WHERE browser_id = :b AND state IN ('waiting', 'in-progress') "
        + "ORDER BY created_at").bind("b", browserId).map((rs, c) -> row(rs)).findFirst());
  }

  /** Newest first; {@code state} empty means every state, "open" waiting and in-progress. */
  List<Handoff> list(Optional<String> state, Optional<String> browserId, int limit) {
    StringBuilder sql = new StringBuilder("SELECT " + COLS + " FROM handoffs WHERE 1 = 1");
    state.ifPresent(s -> sql.append(s.equals("open") ? " AND state IN ('waiting', 'in-progress')" : " AND state = :state"));
    browserId.ifPresent(b -> sql.append(" AND browser_id = :b"));
    sql.append(" ORDER BY created_at DESC, id DESC LIMIT :limit");
    return store.read(x -> {
      var q = x.createQuery(sql.toString());
      state.filter(s -> !s.equals("open")).ifPresent(s -> q.bind("state", s));
      browserId.ifPresent(b -> q.bind("b", b));
      return q.bind("limit", limit).map((rs, c) -> row(rs)).list();
    });
  }

  private static Handoff row(ResultSet rs) throws SQLException {
    long ended = rs.getLong("ended_at");
    Optional<Instant> endedAt = rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(ended));
    return new Handoff(rs.getString("id"), rs.getString("browser_id"), Handoff.State.parse(rs.getString("state")).orElseThrow(),
        rs.getString("reason"), Optional.ofNullable(rs.getString("taken_by")), rs.getInt("profile_saved") == 1,
        Optional.ofNullable(rs.getString("detail")), Instant.ofEpochMilli(rs.getLong("created_at")),
        Instant.ofEpochMilli(rs.getLong("updated_at")), endedAt);
  }
}
