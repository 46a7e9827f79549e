package dev.warren.stream;

import dev.warren.store.Store;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Viewer session rows: one per (target, viewer id), holding the generation the viewer watches, its
 * scope, whether it holds control, and when it was made and last seen. At most one row of a target
 * holds control, and the token its viewer connected with (a digest), which alone may use that id
 * again. Kept across controller restarts, so a viewer reconnecting to the same URL finds who held
 * control.
 */
final class ViewerRepository {
  private final Store store;

  ViewerRepository(Store store) {
    this.store = store;
  }

  /**
   * Claims {@code viewerId} of {@code target} for {@code owner} (a digest of the viewer's token):
   * true when the id is new, has no owner yet (a row from before owners were kept) or is this
   * owner's already; false when another token's viewer holds it. One statement, so of two tokens
   * claiming one new id at once exactly one wins.
   */
  boolean claim(String target, String viewerId, String owner, String scope) {
    long now = System.currentTimeMillis();
    return store.writeOne(h -> h.createUpdate("INSERT INTO viewer_sessions (target, viewer_id, generation, control, scope, created_at, "
            + "last_seen_at, owner) VALUES (:t, :v, 0, 0, :s, :now, :now, :o) ON CONFLICT (target, viewer_id) DO UPDATE SET owner = :o "
            + "WHERE viewer_sessions.owner IS NULL OR viewer_sessions.owner = :o")
        .bind("t", target).bind("v", viewerId).bind("s", scope).bind("now", now).bind("o", owner).execute()) == 1;
  }

  /** Records that {@code viewerId} watches {@code generation} of {@code target} now. */
  void connected(String target, String viewerId, long generation, String scope) {
    long now = System.currentTimeMillis();
    store.writeOne(h -> h.createUpdate("INSERT INTO viewer_sessions (target, viewer_id, generation, control, scope, created_at, last_seen_at) "
            + "VALUES (:t, :v, :g, 0, :s, :now, :now) ON CONFLICT (target, viewer_id) DO UPDATE SET generation = :g, scope = :s, "
            + "last_seen_at = :now")
        .bind("t", target).bind("v", viewerId).bind("g", generation).bind("s", scope).bind("now", now).execute());
  }

  void seen(String target, String viewerId) {
    store.writeOne(h -> h.createUpdate("UPDATE viewer_sessions SET last_seen_at = :now WHERE target = :t AND viewer_id = :v")
        .bind("t", target).bind("v", viewerId).bind("now", System.currentTimeMillis()).execute());
  }

  /** Gives control of {@code target} to {@code viewerId} (taking it from whoever held it); returns that previous holder. */
  Optional<String> take(String target, String viewerId) {
    return store.write(h -> {
      Optional<String> previous = h.createQuery("SELECT viewer_id FROM viewer_sessions WHERE target = :t AND control = 1")
          .bind("t", target).mapTo(String.class).findFirst();
      h.createUpdate("UPDATE viewer_sessions SET control = 0 WHERE target = :t AND control = 1").bind("t", target).execute();
      h.createUpdate("UPDATE viewer_sessions SET control = 1, last_seen_at = :now WHERE target = :t AND viewer_id = :v")
          .bind("t", target).bind("v", viewerId).bind("now", System.currentTimeMillis()).execute();
      return previous;
    });
  }

  /** Releases control if {@code viewerId} holds it; true when it did. */
  boolean release(String target, String viewerId) {
    return store.writeOne(h -> h.createUpdate("UPDATE viewer_sessions SET control = 0 WHERE target = :t AND viewer_id = :v AND control = 1")
        .bind("t", target).bind("v", viewerId).execute()) == 1;
  }

  Optional<String> holder(String target) {
    return store.read(h -> h.createQuery("SELECT viewer_id FROM viewer_sessions WHERE target = :t AND control = 1")
        .bind("t", target).mapTo(String.class).findFirst());
  }

  /** The viewer sessions of a target; {@code connected} says which are connected now. */
  List<ViewerSession> of(String target, java.util.function.Predicate<String> connected) {
    return store.read(h -> h.createQuery("SELECT target, viewer_id, generation, control, scope, created_at, last_seen_at FROM viewer_sessions "
            + "WHERE target = :t ORDER BY created_at, viewer_id").bind("t", target)
        .map((rs, c) -> new ViewerSession(rs.getString("target"), rs.getString("viewer_id"), rs.getLong("generation"),
            rs.getInt("control") == 1, rs.getString("scope"), Instant.ofEpochMilli(rs.getLong("created_at")),
            Instant.ofEpochMilli(rs.getLong("last_seen_at")), connected.test(rs.getString("viewer_id"))))
        .list());
  }

  /** Forgets every viewer of a target that is gone for good. */
  void forget(String target) {
    store.writeOne(h -> h.createUpdate("DELETE FROM viewer_sessions WHERE target = :t").bind("t", target).execute());
  }
}
