package dev.warren.ops;

import dev.warren.config.Config;
import dev.warren.store.Schema;
import dev.warren.store.Store;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import javax.sql.DataSource;
import org.flywaydb.core.api.MigrationVersion;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code warren restore FILE}: brings a {@link Backup} back into this configuration's data
 * directory and database, on this machine or a fresh one: the store (migrated to the backup's
 * schema, loaded, then migrated to this jar's newest), the API token, the signing secret, the
 * profiles, the volumes and the snapshot layers (a layer the store names but the backup lacks is
 * reported). Refuses while a controller runs on the data directory, a backup from a newer Warren,
 * and a data directory or database that is not empty unless forced (then the old database is kept
 * beside, renamed, or on PostgreSQL its tables are dropped). The instance number is not restored:
 * the data directory gets its own on this host at the next start, which also reconciles every
 * sandbox record with what runs here.
 */
public final class Restore {
  /** Files of a data directory that do not make it "not empty" (written by a start-up or by restore itself). */
  private static final Set<String> IGNORABLE = Set.of("warren.lock", "lost+found");
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private Restore() {}

  public static void run(Config config, Path file, boolean force, PrintStream out) {
    long t0 = System.nanoTime();
    if (!Files.isRegularFile(file)) {
      throw new OpsException("no backup file " + file);
    }
    try (DataLock lock = DataLock.acquire(config.dataDir()); ZipFile zip = new ZipFile(file.toFile())) {
      JsonNode manifest = manifest(zip, file);
      String schema = manifest.path("schemaVersion").asString();
      DataSource ds = Store.dataSource(config);
      String known = Schema.latestKnown(ds);
      if (MigrationVersion.fromVersion(schema).compareTo(MigrationVersion.fromVersion(known)) > 0) {
        throw new OpsException(file + " was made by a newer Warren (" + manifest.path("warrenVersion").asString() + ", schema V" + schema
            + "; this jar knows up to V" + known + "); restore it with that version");
      }
      prepare(config, ds, force, out);
      String where = config.dbUrl().isEmpty() ? "the data directory " + config.dataDir() : "the configured database";
      Schema.migrate(ds, "restore", where, Optional.of(schema));
      long rows = load(zip, manifest, ds);
      Schema.migrate(ds, "restore", where, Optional.empty());
      int files = files(zip, config.dataDir());
      missingLayers(manifest, config.dataDir(), out);
      out.printf("restored %s (made %s by Warren %s, schema V%s): %d rows, %d files, %.1f s; the store is now at schema V%s.%n"
              + "Start Warren: sandboxes whose processes do not run on this machine are marked failed; starting one boots it "
              + "again from its image.%n",
          file, manifest.path("createdAt").asString(), manifest.path("warrenVersion").asString(), schema, rows, files,
          (System.nanoTime() - t0) / 1e9, known);
    } catch (IOException e) {
      throw new UncheckedIOException("restore from " + file + " failed: " + e.getMessage(), e);
    } catch (SQLException e) {
      throw new OpsException("restore from " + file + " failed writing the store: " + e.getMessage(), e);
    }
  }

  private static JsonNode manifest(ZipFile zip, Path file) throws IOException {
    ZipEntry m = zip.getEntry("manifest.json");
    if (m == null) {
      throw new OpsException(file + " is not a Warren backup (no manifest.json)");
    }
    try (InputStream in = zip.getInputStream(m)) {
      JsonNode n = JSON.readTree(in);
      if (n.path("format").asInt() != Backup.FORMAT || !n.path("schemaVersion").isString()) {
        throw new OpsException(file + " has a backup format this Warren does not read (format " + n.path("format") + ")");
      }
      return n;
    }
  }

  /** Checks the target is empty, or (forced) moves the old database out of the way. */
  private static void prepare(Config config, DataSource ds, boolean force, PrintStream out) throws IOException, SQLException {
    List<String> present = new ArrayList<>();
    try (var s = Files.list(config.dataDir())) {
      s.map(p -> p.getFileName().toString()).filter(n -> !IGNORABLE.contains(n)).sorted().forEach(present::add);
    }
    List<String> tables;
    try (Connection c = ds.getConnection()) {
      tables = new ArrayList<>(StoreDump.tables(c));
      if (hasHistory(c)) {
        tables.add(StoreDump.HISTORY);
      }
    }
    boolean sqlite = config.dbUrl().isEmpty() || config.jdbcUrl().startsWith("jdbc:sqlite:");
    if (!force && (!present.isEmpty() && !(present.size() == 1 && present.contains("warren.db") && tables.isEmpty()) || !tables.isEmpty())) {
      throw new OpsException("the data directory " + config.dataDir() + " is not empty (" + String.join(", ", present.subList(0, Math.min(8,
          present.size()))) + (tables.isEmpty() ? "" : "; the database has " + tables.size() + " tables")
          + "); restore into an empty one, or pass --force to replace its store, token, secret and profiles");
    }
    if (sqlite) {
      Path db = Path.of(config.jdbcUrl().substring("jdbc:sqlite:".length()));
      String suffix = ".replaced-" + System.currentTimeMillis();
      for (String ext : List.of("", "-wal", "-shm")) {
        Path f = db.resolveSibling(db.getFileName() + ext);
        if (Files.exists(f) && Files.size(f) > 0 && !tables.isEmpty()) {
          Files.move(f, f.resolveSibling(f.getFileName() + suffix));
          out.println("kept the replaced database file as " + f.getFileName() + suffix);
        } else {
          Files.deleteIfExists(f);
        }
      }
    } else if (!tables.isEmpty()) {
      try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
        for (String t : tables) {
          s.execute("DROP TABLE IF EXISTS " + t + " CASCADE");
        }
      }
      out.println("dropped the " + tables.size() + " tables of the configured database (--force)");
    }
  }

  private static boolean hasHistory(Connection c) {
    try (Statement s = c.createStatement()) {
      s.executeQuery("SELECT 1 FROM " + StoreDump.HISTORY + " WHERE 1 = 0").close();
      return true;
    } catch (SQLException e) {
      return false;
    }
  }

  private static long load(ZipFile zip, JsonNode manifest, DataSource ds) throws SQLException, IOException {
    long rows = 0;
    try (Connection c = ds.getConnection()) {
      c.setAutoCommit(false);
      try {
        for (JsonNode t : manifest.path("tableOrder")) {
          ZipEntry e = zip.getEntry("store/" + t.asString() + ".jsonl");
          if (e == null) {
            throw new OpsException("the backup lists table " + t.asString() + " but does not hold it; is the file complete?");
          }
          try (BufferedReader in = new BufferedReader(new InputStreamReader(zip.getInputStream(e), StandardCharsets.UTF_8))) {
            rows += StoreDump.load(c, in);
          }
        }
        c.commit();
      } catch (SQLException | IOException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    }
    return rows;
  }

  /**
   * Says which snapshot layers the restored store names but the backup did not hold (a backup
   * made before layers kept as trees were backed up holds none of those, and a layer missing at
   * the backup is missing from it): sandboxes cannot start from their snapshots, which the
   * controller reports again at its start.
   */
  private static void missingLayers(JsonNode manifest, Path dataDir, PrintStream out) {
    List<String> missing = new ArrayList<>();
    for (JsonNode n : manifest.path("layerNames")) {
      String name = n.asString();
      if (!name.contains("/") && !name.startsWith(".") && !Files.exists(dataDir.resolve("layers").resolve(name))) {
        missing.add(name);
      }
    }
    if (!missing.isEmpty()) {
      out.printf("warning: the backup holds no copy of the snapshot layers %s (an earlier Warren did not back up layers kept as files, "
          + "or the layer was already missing when the backup was made): sandboxes cannot start from the snapshots naming them "
          + "(GET /v1/snapshots shows each one's layer); delete those snapshots (DELETE /v1/snapshots/{id})%n", missing);
    }
  }

  private static int files(ZipFile zip, Path dataDir) throws IOException {
    int n = 0;
    for (ZipEntry e : java.util.Collections.list(zip.entries())) {
      if (!e.getName().startsWith("files/") || e.isDirectory()) {
        continue;
      }
      String rel = e.getName().substring("files/".length());
      boolean secret = Backup.SECRET_FILES.contains(rel);
      boolean profile = rel.matches("profiles/[^/]+\\.tar") && !rel.startsWith("profiles/.");
      if (LayerTrees.isLayerTree(rel)) {
        try (InputStream in = zip.getInputStream(e)) {
          LayerTrees.restore(in, dataDir.resolve(rel));
        }
        n++;
        continue;
      }
      if (LayerImages.isLayerImage(rel)) {
        try (InputStream in = zip.getInputStream(e)) {
          LayerImages.restore(in, dataDir.resolve(rel));
        }
        n++;
        continue;
      }
      if (VolumeImages.isVolumeImage(rel)) {
        try (InputStream in = zip.getInputStream(e)) {
          VolumeImages.restore(in, dataDir.resolve(rel));
        }
        n++;
        continue;
      }
      if (!secret && !profile) {
        throw new OpsException("the backup holds an unexpected file " + e.getName());
      }
      Path target = dataDir.resolve(rel).normalize();
      Files.createDirectories(target.getParent());
      if (profile) {
        Files.setPosixFilePermissions(target.getParent(), PosixFilePermissions.fromString("rwx------"));
      }
      Path tmp = target.resolveSibling("." + target.getFileName() + ".restore");
      try (InputStream in = zip.getInputStream(e)) {
        Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
      }
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      n++;
    }
    return n;
  }
}
