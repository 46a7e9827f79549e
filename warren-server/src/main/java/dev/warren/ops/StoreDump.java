package dev.warren.ops;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStream;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.flywaydb.core.api.MigrationVersion;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;

/**
 * The store's rows in a form neither SQLite- nor PostgreSQL-specific: per table, a line with the
 * column names, then one JSON array per row (numbers, strings, null; bytes as {@code {"b64":…}}).
 * Tables are listed parents first (by their foreign keys), so loading them in that order never
 * breaks a reference. Flyway's history is not dumped: the schema version goes in the manifest and
 * a restore migrates to it before loading.
 */
final class StoreDump {
  static final String HISTORY = "flyway_schema_history";
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private StoreDump() {}

  /** Warren's tables in this database, parents before children. */
  static List<String> tables(Connection c) throws SQLException {
    List<String> names = new ArrayList<>();
    boolean sqlite = c.getMetaData().getDatabaseProductName().toLowerCase(Locale.ROOT).contains("sqlite");
    String sql = sqlite ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        : "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename";
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        if (!rs.getString(1).equalsIgnoreCase(HISTORY)) {
          names.add(rs.getString(1));
        }
      }
    }
    Map<String, Set<String>> parents = new HashMap<>();
    DatabaseMetaData md = c.getMetaData();
    String schema = sqlite ? null : c.getSchema();
    for (String t : names) {
      Set<String> p = new LinkedHashSet<>();
      try (ResultSet rs = md.getImportedKeys(null, schema, t)) {
        while (rs.next()) {
          String parent = rs.getString("PKTABLE_NAME");
          if (!parent.equalsIgnoreCase(t)) {
            p.add(parent);
          }
        }
      }
      parents.put(t, p);
    }
    List<String> ordered = new ArrayList<>();
    while (ordered.size() < names.size()) {
      boolean progress = false;
      for (String t : names) {
        if (!ordered.contains(t) && ordered.containsAll(parents.get(t).stream().filter(names::contains).toList())) {
          ordered.add(t);
          progress = true;
        }
      }
      if (!progress) {
        throw new OpsException("the store's tables reference each other in a cycle: " + names);
      }
    }
    return ordered;
  }

  /** The newest schema version applied successfully, read in the caller's transaction. */
  static String schemaVersion(Connection c) throws SQLException {
    MigrationVersion max = null;
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT version, success FROM " + HISTORY)) {
      while (rs.next()) {
        String v = rs.getString(1);
        if (v != null && rs.getBoolean(2)) {
          MigrationVersion mv = MigrationVersion.fromVersion(v);
          max = max == null || mv.compareTo(max) > 0 ? mv : max;
        }
      }
    }
    if (max == null) {
      throw new OpsException("the store has no schema yet (was Warren ever started on it?)");
    }
    return max.getVersion();
  }

  /** Writes every row of {@code table}; returns how many. */
  static long dump(Connection c, String table, OutputStream out) throws SQLException, IOException {
    long rows = 0;
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT * FROM " + table)) {
      ResultSetMetaData md = rs.getMetaData();
      ArrayNode cols = JSON.createArrayNode();
      for (int i = 1; i <= md.getColumnCount(); i++) {
        cols.add(md.getColumnName(i).toLowerCase(Locale.ROOT));
      }
      line(out, JSON.createObjectNode().put("table", table).set("columns", cols));
      while (rs.next()) {
        ArrayNode row = JSON.createArrayNode();
        for (int i = 1; i <= md.getColumnCount(); i++) {
          Object v = rs.getObject(i);
          switch (v) {
            case null -> row.addNull();
            case Integer n -> row.add(n.longValue());
            case Short n -> row.add(n.longValue());
            case Long n -> row.add(n);
            case Double n -> row.add(n);
            case Float n -> row.add(n.doubleValue());
            case Boolean b -> row.add(b ? 1L : 0L);
            case java.math.BigDecimal n -> row.add(n);
            case byte[] b -> row.addObject().put("b64", Base64.getEncoder().encodeToString(b));
            default -> row.add(v.toString());
          }
        }
        line(out, row);
        rows++;
      }
    }
    return rows;
  }

  private static void line(OutputStream out, JsonNode n) throws IOException {
    out.write(JSON.writeValueAsBytes(n));
    out.write('\n');
  }

  /** Inserts the rows of one dumped table into the same table of {@code c}; returns how many. */
  static long load(Connection c, BufferedReader in) throws SQLException, IOException {
    JsonNode head = JSON.readTree(in.readLine());
    String table = head.path("table").asString();
    if (!table.matches("[a-z_][a-z0-9_]*")) {
      throw new OpsException("the backup names a table '" + table + "' that cannot be one of Warren's");
    }
    List<String> columns = new ArrayList<>();
    head.path("columns").forEach(n -> columns.add(n.asString()));
    Map<String, Integer> types = columnTypes(c, table);
    for (String col : columns) {
      if (!types.containsKey(col)) {
        throw new OpsException("table " + table + " has no column " + col + " in this schema; restore with the Warren version that made the backup");
      }
    }
    String sql = "INSERT INTO " + table + " (" + String.join(", ", columns) + ") VALUES ("
        + String.join(", ", columns.stream().map(x -> "?").toList()) + ")";
    long rows = 0;
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      String line;
      while ((line = in.readLine()) != null) {
        JsonNode row = JSON.readTree(line);
        for (int i = 0; i < columns.size(); i++) {
          bind(ps, i + 1, row.get(i), types.get(columns.get(i)));
        }
        ps.addBatch();
        if (++rows % 500 == 0) {
          ps.executeBatch();
        }
      }
      ps.executeBatch();
    }
    return rows;
  }

  private static void bind(PreparedStatement ps, int i, JsonNode v, int type) throws SQLException {
    if (v == null || v.isNull()) {
      ps.setNull(i, type);
    } else if (v.isObject() && v.has("b64")) {
      ps.setBytes(i, Base64.getDecoder().decode(v.get("b64").asString()));
    } else if (v.isIntegralNumber()) {
      if (type == Types.BOOLEAN || type == Types.BIT) {
        ps.setBoolean(i, v.asLong() != 0);
      } else {
        ps.setLong(i, v.asLong());
      }
    } else if (v.isNumber()) {
      ps.setDouble(i, v.asDouble());
    } else {
      ps.setString(i, v.asString());
    }
  }

  private static Map<String, Integer> columnTypes(Connection c, String table) throws SQLException {
    Map<String, Integer> types = new LinkedHashMap<>();
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT * FROM " + table + " WHERE 1 = 0")) {
      ResultSetMetaData md = rs.getMetaData();
      for (int i = 1; i <= md.getColumnCount(); i++) {
        types.put(md.getColumnName(i).toLowerCase(Locale.ROOT), md.getColumnType(i));
      }
    }
    if (types.isEmpty()) {
      throw new OpsException("table " + table + " does not exist in this schema");
    }
    return types;
  }
}
