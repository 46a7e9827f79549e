package dev.warren.store;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationInfoService;
import org.flywaydb.core.api.MigrationState;
import org.flywaydb.core.api.MigrationVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's schema: Flyway migrations shipped in the jar ({@code db/migration}). Upgrades run
 * forward at open; a database written by a newer Warren (a schema version this jar does not know)
 * is refused, never touched.
 */
public final class Schema {
  private static final Logger log = LoggerFactory.getLogger(Schema.class);
  private static final Pattern MIGRATION = Pattern.compile("V(\\d+)__.+\\.sql");

  private Schema() {}

  static Flyway flyway(DataSource ds, Optional<String> target) {
    var c = Flyway.configure().dataSource(ds).locations("classpath:db/migration").validateMigrationNaming(true);
    target.ifPresent(c::target);
    return c.load();
  }

  /** The newest schema version this jar can migrate to, e.g. {@code 5}. */
  public static String latestKnown(DataSource ds) {
    return Arrays.stream(flyway(ds, Optional.empty()).info().all())
        .filter(m -> m.getState() != MigrationState.FUTURE_SUCCESS && m.getState() != MigrationState.FUTURE_FAILED)
        .map(MigrationInfo::getVersion).filter(v -> v != null).max(MigrationVersion::compareTo)
        .map(MigrationVersion::getVersion).orElse("0");
  }

  /**
   * Whether every migration this jar ships is applied, successfully, and nothing newer: then there
   * is nothing to migrate and Flyway is not needed. Loading it and its scan of the jar for
   * migrations were a large part of a restart's CPU time (and a controller killed at any moment
   * is restarted at once). Anything else (an empty database, an older or newer schema, a failed
   * migration, a history that cannot be read) goes through Flyway, which decides.
   */
  static boolean upToDate(DataSource ds) {
    Optional<Integer> shipped = newestShipped();
    if (shipped.isEmpty()) {
      return false;
    }
    try (Connection c = ds.getConnection(); Statement st = c.createStatement();
         ResultSet rs = st.executeQuery("SELECT version, success FROM flyway_schema_history WHERE version IS NOT NULL")) {
      int newest = 0;
      while (rs.next()) {
        if (!rs.getBoolean(2)) {
          return false;
        }
        newest = Math.max(newest, Integer.parseInt(rs.getString(1)));
      }
      return newest == shipped.get();
    } catch (SQLException | NumberFormatException e) {
      return false;
    }
  }

  /** The highest {@code V<n>__*.sql} in {@code db/migration} beside this class (a jar, or a directory in development). */
  static Optional<Integer> newestShipped() {
    try {
      Path where = Path.of(Schema.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      List<String> names;
      if (Files.isDirectory(where)) {
        try (Stream<Path> s = Files.list(where.resolve("db/migration"))) {
          names = s.map(p -> p.getFileName().toString()).toList();
        }
      } else {
        try (JarFile jar = new JarFile(where.toFile())) {
          names = jar.stream().map(JarEntry::getName).filter(n -> n.startsWith("db/migration/"))
              .map(n -> n.substring("db/migration/".length())).toList();
        }
      }
      return names.stream().map(MIGRATION::matcher).filter(Matcher::matches).map(m -> Integer.parseInt(m.group(1)))
          .max(Integer::compare);
    } catch (IOException | URISyntaxException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** The schema version of the database; empty when nothing was migrated yet. */
  public static Optional<String> current(DataSource ds) {
    MigrationInfo current = flyway(ds, Optional.empty()).info().current();
    return Optional.ofNullable(current).map(MigrationInfo::getVersion).map(MigrationVersion::getVersion);
  }

  /**
   * Migrates the database forward to {@code target} (empty: the newest this jar knows). Refuses a
   * database written by a newer Warren with a message saying what to do.
   */
  public static void migrate(DataSource ds, String kind, String where, Optional<String> target) {
    if (target.isEmpty() && upToDate(ds)) {
      return;
    }
    try {
      Flyway flyway = flyway(ds, target);
      MigrationInfoService info = flyway.info();
      MigrationInfo current = info.current();
      if (current != null && current.getState() == MigrationState.FUTURE_SUCCESS) {
        throw new StoreException(where + " was written by a newer Warren (schema V" + current.getVersion() + ", this jar knows up to V"
            + latestKnown(ds) + "); downgrades are refused: run that version or restore a backup made by this one");
      }
      var result = flyway.migrate();
      if (result.migrationsExecuted > 0) {
        log.info("store {} migrated to schema version {} ({} migrations)", kind, result.targetSchemaVersion, result.migrationsExecuted);
      }
    } catch (FlywayException e) {
      String msg = e.getMessage() == null ? e.toString() : e.getMessage();
      throw new StoreException("cannot open " + where + ": " + msg, e);
    }
  }
}
