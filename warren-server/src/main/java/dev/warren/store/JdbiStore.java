package dev.warren.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.warren.config.Config;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

final class JdbiStore implements Store {
  private static final Logger log = LoggerFactory.getLogger(JdbiStore.class);

  private final String kind;
  private final HikariDataSource pool;
  private final Jdbi jdbi;
  private final AtomicBoolean closed = new AtomicBoolean();

  private JdbiStore(String kind, HikariDataSource pool, Jdbi jdbi) {
    this.kind = kind;
    this.pool = pool;
    this.jdbi = jdbi;
  }

  static Store open(Config config) {
    String url = config.jdbcUrl();
    HikariConfig hc = new HikariConfig();
    hc.setPoolName("warren-store");
    long timeout = config.guards().dbTimeout().toMillis();
    // a call waits at most this long for a connection (PostgreSQL down) or a lock (SQLite busy), then fails with 503
    hc.setConnectionTimeout(timeout);
    hc.setValidationTimeout(Math.min(3_000, Math.max(250, timeout / 2)));
    hc.setInitializationFailTimeout(-1);
    String kind;
    if (url.startsWith("jdbc:sqlite:")) {
      kind = "sqlite";
      Path file = Path.of(url.substring("jdbc:sqlite:".length()));
      try {
        Files.createDirectories(file.toAbsolutePath().getParent());
      } catch (java.io.IOException e) {
        throw new StoreException("cannot create the directory of the database " + file + ": " + e.getMessage(), e);
      }
      hc.setDataSource(sqlite(url, timeout));
      hc.setMaximumPoolSize(4);
    } else {
      kind = "postgresql";
      hc.setJdbcUrl(url);
      config.dbUser().ifPresent(hc::setUsername);
      config.dbPassword().ifPresent(hc::setPassword);
      hc.setMaximumPoolSize(8);
      // fail fast while the server is down, so that calls answer 503 within the timeout and the pool reconnects when it is back
      int seconds = (int) Math.max(1, Math.ceil(timeout / 1000.0));
      hc.addDataSourceProperty("connectTimeout", seconds);
      hc.addDataSourceProperty("loginTimeout", seconds);
    }
    HikariDataSource pool = new HikariDataSource(hc);
    // Jdbi's set-up needs no connection (a tenth of a second of a restart): made beside the schema's check
    dev.warren.host.Beside<Jdbi> jdbi = dev.warren.host.Beside.compute("warren-store-jdbi", () -> {
      Jdbi j = Jdbi.create(pool);
      // no templates (<name>) in the store's SQL, and parameters found by a scan, not Jdbi's ANTLR lexer (see NamedParameters)
      j.getConfig(org.jdbi.v3.core.statement.SqlStatements.class).setSqlParser(new NamedParameters())
          .setTemplateEngine((template, ctx) -> template);
      return j;
    });
    try {
      Schema.migrate(pool, kind, where(config), java.util.Optional.empty());
      if (kind.equals("sqlite")) {
        restrict(Path.of(url.substring("jdbc:sqlite:".length())));
      }
      return new JdbiStore(kind, pool, jdbi.join());
    } catch (RuntimeException e) {
      jdbi.joinAfter(e);
      pool.close();
      throw e;
    }
  }

  static DataSource plain(Config config) {
    String url = config.jdbcUrl();
    if (url.startsWith("jdbc:sqlite:")) {
      SQLiteConfig c = new SQLiteConfig();
      c.setBusyTimeout(15_000);
      c.enforceForeignKeys(true);
      SQLiteDataSource ds = new SQLiteDataSource(c);
      ds.setUrl(url);
      return ds;
    }
    org.postgresql.ds.PGSimpleDataSource ds = new org.postgresql.ds.PGSimpleDataSource();
    ds.setURL(url);
    config.dbUser().ifPresent(ds::setUser);
    config.dbPassword().ifPresent(ds::setPassword);
    return ds;
  }

  private static DataSource sqlite(String url, long busyTimeoutMillis) {
    SQLiteConfig c = new SQLiteConfig();
    c.setJournalMode(SQLiteConfig.JournalMode.WAL);
    c.setSynchronous(SQLiteConfig.SynchronousMode.valueOf(System.getProperty("warren.sqlite.sync", "FULL")));
    c.setBusyTimeout((int) busyTimeoutMillis);
    c.enforceForeignKeys(true);
    c.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
    SQLiteDataSource ds = new SQLiteDataSource(c);
    ds.setUrl(url);
    return ds;
  }

  /** The database holds upstream proxy credentials: owner only (WAL files inherit the mode). */
  /** The database and the -wal and -shm files beside it (which hold the same secrets) are the controller's alone. */
  private static void restrict(Path db) {
    for (String suffix : java.util.List.of("", "-wal", "-shm")) {
      Path f = db.resolveSibling(db.getFileName() + suffix);
      try {
        if (Files.exists(f)) {
          Files.setPosixFilePermissions(f, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        }
      } catch (java.io.IOException e) {
        log.warn("cannot restrict the permissions of {}: {}", f, e.getMessage());
      }
    }
  }


  /** How errors name the database: the data directory for the default SQLite, else the URL. */
  static String where(Config config) {
    return config.dbUrl().isEmpty() ? "the data directory " + config.dataDir() : "the database at " + redact(config.jdbcUrl());
  }

  static String redact(String url) {
    return url.replaceAll("password=[^&;]*", "password=***");
  }

  @Override
  public String kind() {
    return kind;
  }

  @Override
  public Jdbi jdbi() {
    return jdbi;
  }

  @Override
  public boolean ping() {
    try {
      return jdbi.withHandle(h -> h.createQuery("SELECT 1").mapTo(Integer.class).one()) == 1;
    } catch (RuntimeException e) {
      return false;
    }
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      pool.close();
    }
  }
}
