package dev.warren.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.testing.TestDatabases;
import dev.warren.testing.TestWarren;
import dev.warren.testing.WarrenCli;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** warren backup while serving, warren restore into a fresh data directory of another instance. */
class BackupRestoreTest {
  @TempDir
  Path tmp;

  @Test
  void aBackupTakenWhileServingRestoresRecordsTokensAndProfilesOnAnotherInstance() throws Exception {
    TestWarren.ensureImage("browser");
    Path backup = tmp.resolve("warren-backup.zip");
    String sbx;
    String session;
    String command;
    String agentToken;
    String agentId;
    String profileSha;
    String adminToken;
    String addressOnA;
    try (TestWarren a = TestWarren.start()) {
      adminToken = a.token();
      sbx = a.createSandbox("{\"labels\":{\"team\":\"ops\"},\"env\":{\"GREETING\":\"hi\"}}");
      addressOnA = a.get("/v1/sandboxes/" + sbx).json().path("address").asString();
      session = a.post("/v1/sandboxes/" + sbx + "/sessions", "{}").json().path("id").asString();
      TestWarren.Resp cmd = a.post("/v1/sandboxes/" + sbx + "/sessions/" + session + "/commands", "{\"command\":\"echo $GREETING\"}");
      assertThat(cmd.status()).as("%s", cmd).isEqualTo(200);
      command = cmd.json().path("id").asString();
      JsonNode token = a.post("/v1/tokens", "{\"name\":\"agent-1\"}").json();
      agentToken = token.path("token").asString();
      agentId = token.path("id").asString();
      TestWarren.Resp browser = a.post("/v1/browsers", "{\"profile\":\"p1\"}");
      assertThat(browser.status()).as("%s", browser).isEqualTo(201);
      assertThat(a.delete("/v1/browsers/" + browser.json().path("id").asString()).status()).isEqualTo(204);
      assertThat(a.get("/v1/profiles/p1").json().path("sizeBytes").asLong()).isPositive();
      profileSha = sha(a.dataDir().resolve("profiles/p1.tar"));

      // online: calls keep being served (and written) while the backup runs
      AtomicBoolean busy = new AtomicBoolean(true);
      AtomicInteger served = new AtomicInteger();
      AtomicInteger failed = new AtomicInteger();
      CompletableFuture<Void> load = CompletableFuture.runAsync(() -> {
        while (busy.get()) {
          int status = a.post("/v1/sandboxes/" + sbx + "/exec", "{\"command\":\"true\"}").status();
          (status == 200 ? served : failed).incrementAndGet();
        }
      });
      WarrenCli.Result r = WarrenCli.run(a.env(), "backup", backup.toString());
      busy.set(false);
      load.get();
      assertThat(r.code()).as("%s", r).isZero();
      assertThat(r.output()).containsPattern("backup written to " + backup + ": schema V\\d+, \\d+ rows in \\d+ tables, 3 files");
      assertThat(served.get()).isPositive();
      assertThat(failed.get()).isZero();
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(backup))).isEqualTo("rw-------");
      try (ZipFile z = new ZipFile(backup.toFile())) {
        assertThat(z.stream().map(e -> e.getName()).toList()).contains("manifest.json", "store/sandboxes.jsonl", "store/audit.jsonl",
            "store/api_tokens.jsonl", "files/token", "files/secret", "files/profiles/p1.tar").noneMatch(n -> n.contains("instance"));
      }

      // refusals: a data directory in use, and one that is not empty
      WarrenCli.Result busyDir = WarrenCli.run(a.env(), "restore", backup.toString());
      assertThat(busyDir.code()).isEqualTo(3);
      assertThat(busyDir.output()).contains("is running on the data directory " + a.dataDir());
      // the other instance runs while this one still does: another bridge and subnet, as on another machine
      restoreAndCheck(backup, sbx, session, command, agentToken, agentId, profileSha, adminToken, addressOnA);
    }
  }

  private void restoreAndCheck(Path backup, String sbx, String session, String command, String agentToken, String agentId,
      String profileSha, String adminToken, String addressOnA) throws Exception {
    Path fresh = TestWarren.newDataDir();
    Map<String, String> env = new HashMap<>(Map.of("WARREN_DATA", fresh.toString(), "WARREN_IMAGES", TestWarren.IMAGES.toString()));
    WarrenCli.Result restored = WarrenCli.run(env, "restore", backup.toString());
    assertThat(restored.code()).as("%s", restored).isZero();
    assertThat(restored.output()).contains("restored " + backup).contains("Start Warren");
    WarrenCli.Result twice = WarrenCli.run(env, "restore", backup.toString());
    assertThat(twice.code()).isEqualTo(1);
    assertThat(twice.output()).contains("the data directory " + fresh + " is not empty").contains("--force");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh.resolve("token")))).isEqualTo("rw-------");

    try (TestWarren b = TestWarren.startOn(fresh, Map.of())) {
      assertThat(b.token()).isEqualTo(adminToken);
      JsonNode s = b.get("/v1/sandboxes/" + sbx).json();
      assertThat(s.path("state").asString()).as("its processes are not on this instance").isEqualTo("failed");
      assertThat(s.path("stateReason").asString()).contains("gone when the controller started");
      assertThat(s.path("labels").path("team").asString()).isEqualTo("ops");
      JsonNode c = b.get("/v1/sandboxes/" + sbx + "/sessions/" + session + "/commands/" + command).json();
      assertThat(c.path("state").asString()).isEqualTo("finished");
      assertThat(c.path("exitCode").asInt()).isZero();
      assertThat(b.get("/v1/tokens").text()).contains(agentId).contains("agent-1");
      assertThat(b.send("GET", "/v1/sandboxes", HttpRequest.BodyPublishers.noBody(), Map.of(), agentToken).status()).isEqualTo(200);
      assertThat(b.get("/v1/profiles/p1").status()).isEqualTo(200);
      assertThat(sha(fresh.resolve("profiles/p1.tar"))).isEqualTo(profileSha);
      List<String> audited = b.get("/v1/audit?actor=admin&limit=100").json().findValuesAsString("route");
      assertThat(audited).contains("/v1/tokens", "/v1/sandboxes", "/v1/browsers");

      // a restored sandbox boots again from its image, on this instance's network
      TestWarren.Resp started = b.post("/v1/sandboxes/" + sbx + "/start", null);
      assertThat(started.status()).as("%s", started).isEqualTo(200);
      assertThat(started.json().path("state").asString()).isEqualTo("running");
      assertThat(started.json().path("address").asString()).isNotEqualTo(addressOnA);
      assertThat(b.exec(sbx, "echo $GREETING").path("stdout").asString()).isEqualTo("hi\n");
      TestWarren.Resp browser = b.post("/v1/browsers", "{\"profile\":\"p1\"}");
      assertThat(browser.status()).as("the restored profile is usable: %s", browser).isEqualTo(201);
      b.delete("/v1/browsers/" + browser.json().path("id").asString());
    }
  }

  @Test
  void postgresqlStoresAreBackedUpInOneSnapshotAndRestoreIntoEitherStore() throws Exception {
    Path backup = tmp.resolve("pg.zip");
    try (TestDatabases.Postgres source = TestDatabases.postgres(); TestDatabases.Postgres target = TestDatabases.postgres();
         TestWarren a = TestWarren.start(source.settings())) {
      String sbx = a.createSandbox("{\"labels\":{\"db\":\"pg\"}}");
      String tok = a.post("/v1/tokens", "{\"name\":\"pg-agent\"}").json().path("id").asString();
      WarrenCli.Result r = WarrenCli.run(a.env(), "backup", backup.toString());
      assertThat(r.code()).as("%s", r).isZero();
      try (ZipFile z = new ZipFile(backup.toFile())) {
        String manifest = new String(z.getInputStream(z.getEntry("manifest.json")).readAllBytes());
        assertThat(manifest).contains("\"store\" : \"postgresql\"");
      }
      assertThat(r.output()).doesNotContain(source.password());

      // into SQLite
      Path sqlite = TestWarren.newDataDir();
      try {
        WarrenCli.Result toSqlite = WarrenCli.run(Map.of("WARREN_DATA", sqlite.toString()), "restore", backup.toString());
        assertThat(toSqlite.code()).as("%s", toSqlite).isZero();
        try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + sqlite.resolve("warren.db"));
             var st = c.createStatement();
             var rs = st.executeQuery("SELECT (SELECT COUNT(*) FROM sandboxes WHERE id = '" + sbx + "'), "
                 + "(SELECT COUNT(*) FROM api_tokens WHERE id = '" + tok + "'), (SELECT COUNT(*) FROM sandbox_labels WHERE value = 'pg')")) {
          rs.next();
          assertThat(List.of(rs.getInt(1), rs.getInt(2), rs.getInt(3))).containsExactly(1, 1, 1);
        }
      } finally {
        new ProcessBuilder("rm", "-rf", sqlite.toString()).start().waitFor();
      }

      // into another PostgreSQL database, and a controller on it
      Path data = TestWarren.newDataDir();
      Map<String, String> env = new HashMap<>(target.settings());
      env.put("WARREN_DATA", data.toString());
      WarrenCli.Result toPg = WarrenCli.run(env, "restore", backup.toString());
      assertThat(toPg.code()).as("%s", toPg).isZero();
      assertThat(WarrenCli.run(env, "restore", backup.toString()).output()).contains("is not empty").contains("the database has");
      try (TestWarren b = TestWarren.startOn(data, target.settings())) {
        assertThat(b.get("/v1/sandboxes/" + sbx).json().path("labels").path("db").asString()).isEqualTo("pg");
        assertThat(b.get("/v1/tokens").text()).contains(tok);
        assertThat(b.token()).isEqualTo(a.token());
      }
    }
  }

  @Test
  void aBackupFromANewerWarrenOrNotABackupIsRefused() throws Exception {
    Path notBackup = tmp.resolve("x.zip");
    try (var z = new java.util.zip.ZipOutputStream(Files.newOutputStream(notBackup))) {
      z.putNextEntry(new java.util.zip.ZipEntry("hello.txt"));
      z.write("hi".getBytes());
    }
    Path future = tmp.resolve("future.zip");
    try (var z = new java.util.zip.ZipOutputStream(Files.newOutputStream(future))) {
      z.putNextEntry(new java.util.zip.ZipEntry("manifest.json"));
      z.write("{\"format\":1,\"warrenVersion\":\"9.0.0\",\"schemaVersion\":\"99\",\"createdAt\":\"2030-01-01T00:00:00Z\"}".getBytes());
    }
    Path data = tmp.resolve("data");
    Map<String, String> env = Map.of("WARREN_DATA", data.toString());
    WarrenCli.Result r = WarrenCli.run(env, "restore", notBackup.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.output()).isEqualTo("warren: " + notBackup + " is not a Warren backup (no manifest.json)");
    WarrenCli.Result f = WarrenCli.run(env, "restore", future.toString());
    assertThat(f.code()).isEqualTo(1);
    assertThat(f.output()).startsWith("warren: " + future + " was made by a newer Warren (9.0.0, schema V99; this jar knows up to V")
        .endsWith("); restore it with that version");
  }

  private static String sha(Path p) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
  }
}
