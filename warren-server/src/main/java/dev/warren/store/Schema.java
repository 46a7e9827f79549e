package dev.warren.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.Optional;
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
   * The highest {@code V<n>__*.sql} in {@code db/migration}: raised with every new migration
   * (SchemaTest fails until it is). A constant rather than a listing of the jar's 14,000 entries,
   * which cost a restart tens of milliseconds.
   */
  static final int NEWEST_SHIPPED = 13;

  /**
   * Whether every migration this jar ships is applied, successfully, and nothing newer: then there
   * is nothing to migrate and Flyway is not needed. Loading it and its scan of the jar for
   * migrations were a large part of a restart's CPU time (and a controller killed at any moment
   * is restarted at once). Anything else (an empty database, an older or newer schema, a failed
   * migration, a history that cannot be read) goes through Flyway, which decides.
   */
  static boolean upToDate(DataSource ds) {
    try (Connection c = ds.getConnection(); Statement st = c.createStatement();
         ResultSet rs = st.executeQuery("SELECT version, success FROM flyway_schema_history WHERE version IS NOT NULL")) {
      int newest = 0;
      while (rs.next()) {
        if (!rs.getBoolean(2)) {
          return false;
        }
        newest = Math.max(newest, Integer.parseInt(rs.getString(1)));
      }
      return newest == NEWEST_SHIPPED;
    } catch (SQLException | NumberFormatException e) {
      return false;
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
