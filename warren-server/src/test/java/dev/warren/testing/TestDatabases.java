package dev.warren.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.UUID;

/**
 * A fresh PostgreSQL database per use, on the server {@code ./warren test} starts
 * ({@code WARREN_TEST_PG_URL}, user and password from {@code WARREN_TEST_PG_USER} and
 * {@code WARREN_TEST_PG_PASSWORD}). Closing drops it.
 */
public final class TestDatabases {
  private TestDatabases() {}

  public record Postgres(String url, String user, String password, String name, String adminUser, String adminPassword)
      implements AutoCloseable {
    /** The WARREN_DB_* settings that point Warren at this database. */
    public Map<String, String> settings() {
      return Map.of("WARREN_DB_URL", url, "WARREN_DB_USER", user, "WARREN_DB_PASSWORD", password);
    }

    @Override
    public void close() {
      try (Connection c = DriverManager.getConnection(adminUrl(), adminUser, adminPassword); Statement s = c.createStatement()) {
        s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        s.execute("DROP ROLE IF EXISTS " + user);
      } catch (SQLException e) {
        throw new IllegalStateException("cannot drop test database " + name + ": " + e.getMessage(), e);
      }
    }
  }

  static String adminUrl() {
    return System.getenv().getOrDefault("WARREN_TEST_PG_URL", "jdbc:postgresql://127.0.0.1:5432/postgres");
  }

  public static Postgres postgres() {
    String admin = System.getenv().getOrDefault("WARREN_TEST_PG_USER", "postgres");
    String adminPassword = System.getenv().getOrDefault("WARREN_TEST_PG_PASSWORD", "warren-test");
    String name = "warren_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    // a role of its own with a random password, so tests can look for the password in logs
    String user = name + "_owner";
    String password = "pw-" + UUID.randomUUID();
    try (Connection c = DriverManager.getConnection(adminUrl(), admin, adminPassword); Statement s = c.createStatement()) {
      s.execute("CREATE ROLE " + user + " LOGIN PASSWORD '" + password + "'");
      s.execute("CREATE DATABASE " + name + " OWNER " + user);
    } catch (SQLException e) {
      throw new IllegalStateException("PostgreSQL is not reachable at " + adminUrl() + " as " + admin
          + " (" + e.getMessage() + "); ./warren test installs and starts it, or set WARREN_TEST_PG_URL/USER/PASSWORD", e);
    }
    String base = adminUrl();
    String url = base.substring(0, base.lastIndexOf('/') + 1) + name;
    return new Postgres(url, user, password, name, admin, adminPassword);
  }
}
