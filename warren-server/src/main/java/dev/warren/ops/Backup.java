package dev.warren.ops;

import dev.warren.Version;
import dev.warren.config.Config;
import dev.warren.store.Store;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code warren backup FILE}: a consistent copy of the store, taken online (one read-only
 * transaction: a snapshot on SQLite in WAL mode, REPEATABLE READ on PostgreSQL, so the controller
 * keeps serving and writing), plus the API token, the signing secret, the saved browser
 * profiles, the volumes and the snapshot layers (kept as images or as trees), in one zip file (mode 0600: it holds secrets).
 * {@code manifest.json} says which Warren and schema version made it and when. Sandbox file systems and golden images are
 * not part of a backup. See {@link VolumeImages} for how a volume in use is copied, {@link LayerImages} and
 * {@link LayerTrees} for layers.
 */
public final class Backup {
  static final int FORMAT = 1;
  static final List<String> SECRET_FILES = List.of("token", "secret");
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private Backup() {}

  public static void run(Config config, Path file, PrintStream out) {
    long t0 = System.nanoTime();
    Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
    ObjectNode manifest = JSON.createObjectNode();
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.deleteIfExists(tmp);
      Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      try (OutputStream os = Files.newOutputStream(tmp); ZipOutputStream zip = new ZipOutputStream(os)) {
        manifest.put("format", FORMAT).put("warrenVersion", Version.CURRENT).put("createdAt", Instant.now().toString());
        store(config, zip, manifest);
        files(config, zip, manifest);
        VolumeImages.backup(config.dataDir(), zip, (ArrayNode) manifest.get("files"), names(manifest, "volumeNames"));
        LayerImages.backup(config.dataDir(), zip, (ArrayNode) manifest.get("files"), names(manifest, "layerNames"));
        LayerTrees.backup(config.dataDir(), zip, (ArrayNode) manifest.get("files"), names(manifest, "layerNames"), out);
        zip.putNextEntry(new ZipEntry("manifest.json"));
        zip.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(manifest));
        zip.closeEntry();
      }
      try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
        ch.force(true);
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      deleteQuietly(tmp);
      throw new UncheckedIOException("backup to " + file + " failed: " + e.getMessage(), e);
    } catch (SQLException e) {
      deleteQuietly(tmp);
      throw new OpsException("backup to " + file + " failed reading the store: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      deleteQuietly(tmp);
      throw e;
    }
    long rows = 0;
    for (var t : manifest.path("tables").properties()) {
      rows += t.getValue().asLong();
    }
    out.printf("backup written to %s: schema V%s, %d rows in %d tables, %d files, %.1f s%n", file, manifest.path("schemaVersion").asString(),
        rows, manifest.path("tables").size(), manifest.path("files").size(), (System.nanoTime() - t0) / 1e9);
  }

  private static void store(Config config, ZipOutputStream zip, ObjectNode manifest) throws SQLException, IOException {
    if (config.dbUrl().isEmpty() && !Files.isRegularFile(config.dataDir().resolve("warren.db"))) {
      throw new OpsException("there is no store in " + config.dataDir() + " (no warren.db): is WARREN_DATA right?");
    }
    try (Connection c = Store.dataSource(config).getConnection()) {
      boolean sqlite = c.getMetaData().getDatabaseProductName().toLowerCase(Locale.ROOT).contains("sqlite");
      c.setAutoCommit(false);
      if (!sqlite) {
        c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
        c.setReadOnly(true);
      }
      try {
        // the first read starts the snapshot; every table below is read from it
        manifest.put("schemaVersion", StoreDump.schemaVersion(c));
        manifest.put("store", sqlite ? "sqlite" : "postgresql");
        ObjectNode tables = manifest.putObject("tables");
        ArrayNode order = manifest.putArray("tableOrder");
        for (String t : StoreDump.tables(c)) {
          zip.putNextEntry(new ZipEntry("store/" + t + ".jsonl"));
          tables.put(t, StoreDump.dump(c, t, zip));
          if (t.equalsIgnoreCase("snapshots")) {
            ArrayNode names = manifest.putArray("layerNames");
            try (var st = c.createStatement();
                var rs = st.executeQuery("SELECT DISTINCT layer FROM snapshots WHERE state = 'ready' AND layer IS NOT NULL ORDER BY layer")) {
              while (rs.next()) {
                names.add(rs.getString(1));
              }
            }
          }
          if (t.equalsIgnoreCase("volumes")) {
            ArrayNode names = manifest.putArray("volumeNames");
            try (var st = c.createStatement(); var rs = st.executeQuery("SELECT name FROM volumes ORDER BY name")) {
              while (rs.next()) {
                names.add(rs.getString(1));
              }
            }
          }
          zip.closeEntry();
          order.add(t);
        }
      } finally {
        c.rollback();
      }
    }
  }

  private static void files(Config config, ZipOutputStream zip, ObjectNode manifest) throws IOException {
    ArrayNode files = manifest.putArray("files");
    List<Path> paths = new ArrayList<>();
    for (String f : SECRET_FILES) {
      paths.add(config.dataDir().resolve(f));
    }
    Path profiles = config.dataDir().resolve("profiles");
    if (Files.isDirectory(profiles)) {
      try (Stream<Path> s = Files.list(profiles)) {
        s.filter(p -> p.getFileName().toString().endsWith(".tar") && !p.getFileName().toString().startsWith(".")).sorted()
            .forEach(paths::add);
      }
    }
    for (Path p : paths) {
      if (!Files.isRegularFile(p)) {
        continue;
      }
      String name = "files/" + config.dataDir().relativize(p);
      java.io.InputStream in;
      try {
        in = Files.newInputStream(p);
      } catch (java.nio.file.NoSuchFileException e) {
        continue; // a profile deleted while the backup ran
      }
      try (in) {
        zip.putNextEntry(new ZipEntry(name));
        in.transferTo(zip);
        zip.closeEntry();
      }
      files.add(name);
    }
  }

  /**
   * The volumes ({@code volumeNames}) or snapshot layers ({@code layerNames}) in the store's
   * snapshot, read in the same transaction as the dump: those, and no other, are backed up.
   */
  private static List<String> names(ObjectNode manifest, String field) {
    List<String> names = new ArrayList<>();
    manifest.path(field).forEach(n -> names.add(n.asString()));
    return names;
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      // nothing more to do
    }
  }
}
