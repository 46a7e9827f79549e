package dev.warren.api;

import dev.warren.host.DiskSpace;
import java.nio.file.Path;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.Optional;

/**
 * Says in a 503's detail what is unusable and where, for the failures an operator can fix: a full
 * data directory, a database locked by another process, a database server that does not answer.
 * Thread-safe.
 */
final class Failures {
  private final DiskSpace disk;
  private final String database;
  private final Duration dbTimeout;

  Failures(DiskSpace disk, String database, Duration dbTimeout) {
    this.disk = disk;
    this.database = database;
    this.dbTimeout = dbTimeout;
  }

  /** The detail of a full data directory, for a call that could not {@code what}. */
  String diskFull(String what) {
    String free = disk.usable().map(DiskSpace::human).map(f -> " (" + f + " free)").orElse("");
    return "no space left on device in the data directory " + disk.dir() + free + ": " + what
        + "; free some space there (delete sandboxes or files) and retry";
  }

  /** A 503 detail when {@code t} is a known outage of the disk or the database, else empty. */
  Optional<String> unavailable(Throwable t) {
    if (DiskSpace.isNoSpace(t)) {
      return Optional.of(diskFull(rootMessage(t)));
    }
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof org.sqlite.SQLiteException se) {
        int base = se.getResultCode().code & 0xff;
        if (base == 5 || base == 6) {
          return Optional.of("the database " + database + " is locked by another process or connection; gave up after "
              + seconds(dbTimeout) + " (WARREN_DB_TIMEOUT): " + se.getMessage());
        }
      }
      if (c instanceof SQLTransientConnectionException) {
        return Optional.of("no connection to the database " + database + " within " + seconds(dbTimeout) + " (WARREN_DB_TIMEOUT): "
            + rootMessage(c));
      }
      if (c instanceof SQLException se && se.getSQLState() != null
          && (se.getSQLState().startsWith("08") || se.getSQLState().startsWith("57P"))) {
        return Optional.of("the database server " + database + " does not answer or is shutting down: " + se.getMessage());
      }
    }
    return Optional.empty();
  }

  static String rootMessage(Throwable t) {
    Throwable r = t;
    while (r.getCause() != null && r.getCause() != r) {
      r = r.getCause();
    }
    return r.getMessage() == null ? r.toString() : r.getMessage();
  }

  private static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }

  /** The database as an operator knows it: the SQLite file, or PostgreSQL's host and database (no credentials). */
  static String describe(String jdbcUrl) {
    if (jdbcUrl.startsWith("jdbc:sqlite:")) {
      return Path.of(jdbcUrl.substring("jdbc:sqlite:".length())).toString();
    }
    String u = jdbcUrl.replaceFirst("^jdbc:", "");
    int q = u.indexOf('?');
    return q < 0 ? u : u.substring(0, q);
  }
}
