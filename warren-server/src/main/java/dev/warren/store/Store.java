package dev.warren.store;

import dev.warren.config.Config;
import java.util.function.Function;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Warren's database: SQLite in the data directory by default, PostgreSQL when configured, one
 * schema migrated by Flyway at open. Every write commits (and, on SQLite, is fsynced) before the
 * call returns. Thread-safe; {@code close()} is idempotent.
 */
public interface Store extends AutoCloseable {

  static Store open(Config config) {
    return JdbiStore.open(config);
  }

  /**
   * A plain, unpooled connection source for the configured database, without migrating it (for
   * backup and restore, which run beside or instead of a controller). SQLite transactions are
   * deferred, so a backup's read transaction never blocks the controller's writes.
   */
  static javax.sql.DataSource dataSource(Config config) {
    return JdbiStore.plain(config);
  }

  /** {@code sqlite} or {@code postgresql}. */
  String kind();

  Jdbi jdbi();

  default <T> T read(Function<Handle, T> work) {
    return jdbi().withHandle(work::apply);
  }

  /**
   * Runs one statement in autocommit mode: it is its own transaction, committed (and on SQLite
   * fsynced) when it returns, without the cost of an explicit one. For multi-statement work use
   * {@link #write}.
   */
  default <T> T writeOne(Function<Handle, T> statement) {
    return jdbi().withHandle(statement::apply);
  }

  /** Runs {@code work} in one transaction; commits when it returns, rolls back when it throws. */
  default <T> T write(Function<Handle, T> work) {
    return jdbi().inTransaction(work::apply);
  }

  /** Whether a trivial query answers now (for readiness). */
  boolean ping();

  @Override
  void close();
}
