package dev.warren.volume;

import dev.warren.error.Problem;
import dev.warren.error.WarrenException;
import dev.warren.runtime.VolumeMount;
import dev.warren.store.Store;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * Volume rows and the mounts of sandboxes (which sandbox names which volume). Each method is one
 * statement or one transaction; the checks of a claim run in the caller's transaction (SQLite
 * writes one at a time; on PostgreSQL the writer index and the foreign key are the backstop).
 */
public final class VolumeRepository {
  /** A volume row. */
  record Row(String name, int sizeMb, Instant createdAt) {}

  private final Store store;

  VolumeRepository(Store store) {
    this.store = store;
  }

  void insert(Row r) {
    store.write(h -> {
      if (find(h, r.name()).isPresent()) {
        throw new WarrenException(Problem.CONFLICT, "volume " + r.name() + " already exists");
      }
      return h.createUpdate("INSERT INTO volumes (name, size_mb, created_at) VALUES (:name, :size, :at)")
          .bind("name", r.name()).bind("size", r.sizeMb()).bind("at", r.createdAt().toEpochMilli()).execute();
    });
  }

  Optional<Row> find(String name) {
    return store.read(h -> find(h, name));
  }

  private static Optional<Row> find(Handle h, String name) {
    return h.createQuery("SELECT name, size_mb, created_at FROM volumes WHERE name = :name").bind("name", name)
        .map((rs, ctx) -> new Row(rs.getString("name"), rs.getInt("size_mb"), Instant.ofEpochMilli(rs.getLong("created_at")))).findOne();
  }

  List<Row> all() {
    return store.read(h -> h.createQuery("SELECT name, size_mb, created_at FROM volumes ORDER BY name")
        .map((rs, ctx) -> new Row(rs.getString("name"), rs.getInt("size_mb"), Instant.ofEpochMilli(rs.getLong("created_at")))).list());
  }

  /** Every volume's holders, by volume name. */
  Map<String, List<Volume.Holder>> holders() {
    return store.read(h -> {
      Map<String, List<Volume.Holder>> out = new LinkedHashMap<>();
      h.createQuery("SELECT volume_name, sandbox_id, path, read_only FROM volume_mounts ORDER BY volume_name, sandbox_id")
          .map((rs, ctx) -> Map.entry(rs.getString("volume_name"),
              new Volume.Holder(rs.getString("sandbox_id"), rs.getString("path"), rs.getInt("read_only") != 0)))
          .forEach(e -> out.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue()));
      return out;
    });
  }

  private static List<Volume.Holder> holders(Handle h, String name) {
    return h.createQuery("SELECT sandbox_id, path, read_only FROM volume_mounts WHERE volume_name = :name ORDER BY sandbox_id")
        .bind("name", name)
        .map((rs, ctx) -> new Volume.Holder(rs.getString("sandbox_id"), rs.getString("path"), rs.getInt("read_only") != 0)).list();
  }

  /** Deletes the row of {@code name} unless a sandbox names it (409 naming them); false when there was none. */
  boolean delete(String name) {
    return store.write(h -> {
      List<Volume.Holder> held = holders(h, name);
      if (!held.isEmpty()) {
        throw new WarrenException(Problem.CONFLICT, "volume " + name + " is mounted by " + held.stream().map(Volume.Holder::sandboxId).toList()
            + "; delete those sandboxes first");
      }
      return h.createUpdate("DELETE FROM volumes WHERE name = :name").bind("name", name).execute() > 0;
    });
  }

  /**
   * Records that sandbox {@code sandboxId} mounts {@code mounts}, in the caller's transaction:
   * 400 naming {@code volumes[i].name} for a volume that does not exist, 409 naming the volume and
   * the sandbox that holds it for a second read-write mount.
   */
  public static void claim(Handle h, String sandboxId, List<VolumeMount> mounts) {
    for (int i = 0; i < mounts.size(); i++) {
      VolumeMount m = mounts.get(i);
      if (find(h, m.name()).isEmpty()) {
        throw new WarrenException(Problem.INVALID_INPUT, "volumes[" + i + "].name names volume " + m.name() + ", which does not exist "
            + "(create it with POST /v1/volumes)", Optional.of("volumes[" + i + "].name"), Map.of(), null);
      }
      if (!m.readOnly()) {
        Optional<Volume.Holder> writer = holders(h, m.name()).stream().filter(x -> !x.readOnly()).findFirst();
        if (writer.isPresent()) {
          throw new WarrenException(Problem.CONFLICT, "volume " + m.name() + " is mounted read-write by sandbox " + writer.get().sandboxId()
              + " (at " + writer.get().path() + "); a volume has one writer at a time: mount it with readOnly: true, or delete "
              + writer.get().sandboxId() + " first", Optional.of("volumes[" + i + "].readOnly"), Map.of(), null);
        }
      }
      h.createUpdate("INSERT INTO volume_mounts (sandbox_id, volume_name, path, read_only) VALUES (:id, :name, :path, :ro)")
          .bind("id", sandboxId).bind("name", m.name()).bind("path", m.path()).bind("ro", m.readOnly() ? 1 : 0).execute();
    }
  }

  /**
   * Forgets mounts whose sandbox row is gone (a teardown empties the sandboxes table, and SQLite does
   * not cascade); returns how many.
   */
  int releaseOrphans() {
    String orphans = "FROM volume_mounts WHERE sandbox_id NOT IN (SELECT id FROM sandboxes)";
    // read first: a write (and, on SQLite, its fsync) only when there is something to forget, not at every start
    if (store.read(h -> h.createQuery("SELECT COUNT(*) " + orphans).mapTo(Integer.class).one()) == 0) {
      return 0;
    }
    return store.writeOne(h -> h.createUpdate("DELETE " + orphans).execute());
  }

  /** Forgets the mounts of sandbox {@code sandboxId}, in the caller's transaction (SQLite does not cascade). */
  public static void release(Handle h, String sandboxId) {
    h.createUpdate("DELETE FROM volume_mounts WHERE sandbox_id = :id").bind("id", sandboxId).execute();
  }
}
