package dev.warren.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.config.Config;
import dev.warren.store.Schema;
import dev.warren.store.Store;
import dev.warren.testing.TestWarren;
import dev.warren.testing.WarrenCli;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.sqlite.SQLiteDataSource;
import tools.jackson.databind.JsonNode;

/** A newer jar adopts an older data directory; an older jar refuses a newer one. */
class UpgradeTest {

  @Test
  void aDataDirectoryWrittenByANewerWarrenIsRefusedAndLeftAlone() throws Exception {
    try (TestWarren w = TestWarren.start()) {
      String sbx = w.createSandbox("{}");
      w.stopProcess(false);
      String known = Schema.latestKnown(Store.dataSource(w.config()));
      try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + w.dataDir().resolve("warren.db")); Statement s = c.createStatement()) {
        s.execute("INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, "
            + "installed_on, execution_time, success) VALUES (100, '99', 'from the future', 'SQL', 'V99__future.sql', 0, 'test', "
            + "CURRENT_TIMESTAMP, 1, 1)");
      }
      WarrenCli.Result r = WarrenCli.run(w.env(), "serve");
      assertThat(r.code()).as("%s", r).isNotZero();
      assertThat(r.output().lines().filter(l -> l.startsWith("warren: ")).toList()).containsExactly("warren: the data directory "
          + w.dataDir() + " was written by a newer Warren (schema V99, this jar knows up to V" + known
          + "); downgrades are refused: run that version or restore a backup made by this one");
      try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + w.dataDir().resolve("warren.db")); Statement s = c.createStatement();
           ResultSet rs = s.executeQuery("SELECT (SELECT COUNT(*) FROM flyway_schema_history WHERE version = '99'), "
               + "(SELECT COUNT(*) FROM sandboxes WHERE id = '" + sbx + "')")) {
        rs.next();
        assertThat(rs.getInt(1)).as("nothing undone").isEqualTo(1);
        assertThat(rs.getInt(2)).as("nothing lost").isEqualTo(1);
        s.execute("DELETE FROM flyway_schema_history WHERE version = '99'");
      }
      w.relaunch();
      assertThat(w.get("/v1/sandboxes/" + sbx).json().path("state").asString()).isEqualTo("running");
    }
  }

  @Test
  void aNewerJarMigratesAnOlderDataDirectoryAndAdoptsItsSandboxes() throws Exception {
    try (TestWarren w = TestWarren.start()) {
      String sbx = w.createSandbox("{\"labels\":{\"made-by\":\"v3\"}}");
      w.exec(sbx, "echo kept > /root/note");
      String session = w.post("/v1/sandboxes/" + sbx + "/sessions", "{}").json().path("id").asString();
      TestWarren.Resp cmd = w.post("/v1/sandboxes/" + sbx + "/sessions/" + session + "/commands", "{\"command\":\"export X=42; echo hi\"}");
      assertThat(cmd.status()).as("%s", cmd).isEqualTo(200);
      long generation = w.get("/v1/sandboxes/" + sbx).json().path("generation").asLong();
      w.stopProcess(false);

      rewriteAsSchema3(w.config());
      w.relaunch();

      String known = Schema.latestKnown(Store.dataSource(w.config()));
      assertThat(w.log(400)).containsPattern("store sqlite migrated to schema version " + known + " \\(\\d+ migrations\\)");
      JsonNode s = w.get("/v1/sandboxes/" + sbx).json();
      assertThat(s.path("state").asString()).isEqualTo("running");
      assertThat(s.path("generation").asLong()).as("adopted, not restarted").isEqualTo(generation);
      assertThat(s.path("labels").path("made-by").asString()).isEqualTo("v3");
      assertThat(w.exec(sbx, "cat /root/note").path("stdout").asString()).isEqualTo("kept\n");
      TestWarren.Resp again = w.post("/v1/sandboxes/" + sbx + "/sessions/" + session + "/commands", "{\"command\":\"echo $X\"}");
      assertThat(again.json().path("stdout").asString()).as("the session and its shell survived the upgrade").isEqualTo("42\n");
      assertThat(w.get("/v1/audit").status()).as("the new schema's tables are there").isEqualTo(200);
    }
  }

  /** A table's dump with only the columns that table has at the older schema (later migrations added some). */
  private static String onlyColumnsOf(Connection older, String table, String dump) throws Exception {
    java.util.Set<String> known = new java.util.HashSet<>();
    try (var rs = older.getMetaData().getColumns(null, null, table, null)) {
      while (rs.next()) {
        known.add(rs.getString("COLUMN_NAME"));
      }
    }
    var json = tools.jackson.databind.json.JsonMapper.builder().build();
    var lines = dump.lines().toList();
    var head = (tools.jackson.databind.node.ObjectNode) json.readTree(lines.getFirst());
    java.util.List<Integer> keep = new java.util.ArrayList<>();
    var columns = json.createArrayNode();
    for (int i = 0; i < head.path("columns").size(); i++) {
      if (known.contains(head.path("columns").get(i).asString())) {
        keep.add(i);
        columns.add(head.path("columns").get(i));
      }
    }
    head.set("columns", columns);
    StringBuilder out = new StringBuilder(head.toString()).append('\n');
    for (String line : lines.subList(1, lines.size())) {
      var row = json.readTree(line);
      var kept = json.createArrayNode();
      keep.forEach(i -> kept.add(row.get(i)));
      out.append(kept).append('\n');
    }
    return out.toString();
  }

  /** Replaces the data directory's database by one at schema V3 holding the same rows (what an older Warren left). */
  static void rewriteAsSchema3(Config config) throws Exception {
    Path db = config.dataDir().resolve("warren.db");
    Path old = config.dataDir().resolve("warren-v3.db");
    SQLiteDataSource target = new SQLiteDataSource();
    target.setUrl("jdbc:sqlite:" + old);
    Schema.migrate(target, "sqlite", "the test database", Optional.of("3"));
    try (Connection from = DriverManager.getConnection("jdbc:sqlite:" + db); Connection to = target.getConnection()) {
      to.setAutoCommit(false);
      var v3tables = StoreDump.tables(to);
      assertThat(v3tables).contains("sandboxes", "shell_sessions", "browsers").doesNotContain("audit", "api_tokens");
      for (String t : StoreDump.tables(from)) {
        if (v3tables.contains(t)) {
          ByteArrayOutputStream rows = new ByteArrayOutputStream();
          StoreDump.dump(from, t, rows);
          StoreDump.load(to, new BufferedReader(new StringReader(onlyColumnsOf(to, t, rows.toString(StandardCharsets.UTF_8)))));
        }
      }
      to.commit();
      assertThat(StoreDump.schemaVersion(to)).isEqualTo("3");
    }
    for (String ext : new String[] {"-wal", "-shm"}) {
      Files.deleteIfExists(config.dataDir().resolve("warren.db" + ext));
    }
    Files.move(old, db, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }
}
