package dev.warren.build;

import dev.warren.store.Store;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import tools.jackson.databind.json.JsonMapper;

/** Rows of {@code image_builds}. Each method is one statement. Thread-safe. */
final class BuildRepository {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private final Store store;

  BuildRepository(Store store) {
    this.store = store;
  }

  /** Writes the build as it is now (the row made on its first write). */
  void save(Build b) {
    var json = b.json();
    String steps = json.path("steps").toString();
    store.write(h -> {
      int n = h.createUpdate("UPDATE image_builds SET state = :state, steps = :steps, error = :error, digest = :digest, finished_at = :fin"
          + " WHERE id = :id").bind("id", b.id()).bind("state", b.state().wire()).bind("steps", steps).bind("error", b.error().orElse(null))
          .bind("digest", b.digest().orElse(null)).bind("fin", b.finishedAt().map(Instant::toEpochMilli).orElse(null)).execute();
      if (n == 0) {
        h.createUpdate("INSERT INTO image_builds (id, name, state, steps, error, digest, created_at, finished_at) VALUES (:id, :name, :state,"
            + " :steps, :error, :digest, :at, :fin)").bind("id", b.id()).bind("name", b.name()).bind("state", b.state().wire())
            .bind("steps", steps).bind("error", b.error().orElse(null)).bind("digest", b.digest().orElse(null))
            .bind("at", b.createdAt().toEpochMilli()).bind("fin", b.finishedAt().map(Instant::toEpochMilli).orElse(null)).execute();
      }
      return null;
    });
  }

  Optional<Build> find(String id) {
    return store.read(h -> h.createQuery("SELECT * FROM image_builds WHERE id = :id").bind("id", id).map((rs, ctx) -> row(rs)).findOne());
  }

  /** Marks the builds a killed controller left running as failed; returns how many. */
  int failUnfinished(String why) {
    return store.write(h -> h.createUpdate("UPDATE image_builds SET state = 'failed', error = :why, finished_at = :now WHERE state = 'running'")
        .bind("why", why).bind("now", System.currentTimeMillis()).execute());
  }

  private static Build row(ResultSet rs) throws SQLException {
    List<Build.Step> steps = new ArrayList<>();
    JSON.readTree(rs.getString("steps")).forEach(n -> steps.add(Build.step(n)));
    long fin = rs.getLong("finished_at");
    Optional<Instant> finished = rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(fin));
    return Build.stored(rs.getString("id"), rs.getString("name"), Instant.ofEpochMilli(rs.getLong("created_at")),
        Build.State.valueOf(rs.getString("state").toUpperCase(java.util.Locale.ROOT)), steps, Optional.ofNullable(rs.getString("error")),
        Optional.ofNullable(rs.getString("digest")), finished);
  }
}
