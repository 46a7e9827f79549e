package dev.warren.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.testing.TestWarren;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The data directory holds the store (upstream proxy passwords, sandboxes' environments), the API
 * token, the signing secret, logs, dashboard sessions, every sandbox's OCI bundle and root
 * filesystem. A local host user without privileges, even one who knows a sandbox's id (it shows in
 * {@code ps} as crun's argument), reads none of it, and neither do the uids of another sandbox;
 * a controller started on a directory left open repairs the modes and says which.
 */
class DataDirPermissionsTest {

  @Test
  void otherHostUsersAndOtherSandboxesReadNothingOfTheDataDirectory() throws Exception {
    try (TestWarren warren = TestWarren.start()) {
      String secret = "env-" + UUID.randomUUID();
      String a = warren.createSandbox(TestWarren.json(Map.of("env", Map.of("SECRET", secret))));
      String b = warren.createSandbox("{}");
      warren.exec(a, "echo top-secret > /root/secret.txt && chmod 644 /root/secret.txt");
      DashboardLogin.of(warren, warren.token());

      Path data = warren.dataDir();
      Path sbxA = data.resolve("sandboxes").resolve(a);
      assertThat(Files.readString(sbxA.resolve("bundle/config.json"))).as("the bundle holds the caller's environment").contains(secret);
      List<Path> secretFiles = List.of(data.resolve("warren.db"), data.resolve("warren.db-wal"), data.resolve("warren.db-shm"),
          data.resolve("token"), data.resolve("secret"), data.resolve("logs/warren.log"), data.resolve("dashboard-sessions"),
          sbxA.resolve("bundle/config.json"), sbxA.resolve("slot"), sbxA.resolve("init.log"), sbxA.resolve("rootfs/root/secret.txt"),
          sbxA.resolve("rootfs/etc/hostname"));
      for (Path f : secretFiles) {
        assertThat(f).as("as root").exists();
        AsUser.Result r = AsUser.read(AsUser.NOBODY, f);
        assertThat(r.ok()).as("nobody reads %s: %s", f, r).isFalse();
        assertThat(r.stderr()).as(f.toString()).contains("Permission denied");
      }
      assertThat(AsUser.run(AsUser.NOBODY, "ls", data.toString()).ok()).as("nobody lists the data directory").isFalse();
      // the same user can read what is meant to be shared (so the refusals above are the modes, not setpriv)
      AsUser.Result helpers = AsUser.read(AsUser.NOBODY, data.resolve("helpers/init.sh"));
      assertThat(helpers.ok()).as("nobody reads the sandbox helpers: %s", helpers).isTrue();

      // sandbox B's root uid (and so every uid of B) cannot reach A's files, but reaches its own
      long rootA = uid(sbxA);
      long rootB = uid(data.resolve("sandboxes").resolve(b));
      assertThat(rootB).isNotEqualTo(rootA).isGreaterThan(65535);
      for (Path f : List.of(sbxA.resolve("bundle/config.json"), sbxA.resolve("rootfs/root/secret.txt"), sbxA.resolve("rootfs/etc/hostname"))) {
        AsUser.Result r = AsUser.read(rootB, f);
        assertThat(r.ok()).as("sandbox %s's root (uid %d) reads %s: %s", b, rootB, f, r).isFalse();
        assertThat(r.stderr()).contains("Permission denied");
      }
      AsUser.Result own = AsUser.read(rootB, data.resolve("sandboxes").resolve(b).resolve("rootfs/etc/hostname"));
      assertThat(own.ok()).as("B's root reads its own root filesystem: %s", own).isTrue();
      assertThat(AsUser.read(rootA, sbxA.resolve("rootfs/root/secret.txt")).stdout()).isEqualTo("top-secret\n");

      assertThat(Files.readAllLines(Path.of("/proc", Long.toString(warren.pid()), "status")))
          .as("the controller's umask").contains("Umask:\t0077");
      assertThat(mode(sbxA)).isEqualTo("rwx------");
      assertThat(mode(data)).isEqualTo("rwx--x--x");
      assertThat(mode(data.resolve("sandboxes"))).isEqualTo("rwx--x--x");

      // nothing else harmed: inside, the usual umask and modes, and an unprivileged user of the
      // sandbox still reaches /, /.warren and the bind-mounted /etc files
      JsonNode inside = warren.exec(a, "umask; mkdir /tmp/d; : > /tmp/f; stat -c '%a %n' / /tmp/d /tmp/f; "
          + "setpriv --reuid=1000 --regid=1000 --clear-groups sh -c 'ls / >/dev/null && cat /etc/hosts /etc/resolv.conf /.warren/init.sh "
          + ">/dev/null && echo unprivileged-ok'");
      assertThat(inside.path("stdout").asString()).isEqualTo("0022\n755 /\n755 /tmp/d\n644 /tmp/f\nunprivileged-ok\n");
      assertThat(warren.post("/v1/sandboxes/" + b + "/files/mkdir?path=/data/x", "").status()).isEqualTo(204);
      assertThat(warren.put("/v1/sandboxes/" + b + "/files?path=/data/x/f", "hi".getBytes()).status()).isEqualTo(204);
      JsonNode entries = warren.get("/v1/sandboxes/" + b + "/files/list?path=/data").json().path("entries");
      assertThat(entries.get(0).path("mode").asString()).isEqualTo("0755");
      assertThat(warren.get("/v1/sandboxes/" + b + "/files/list?path=/data/x").json().path("entries").get(0).path("mode").asString())
          .isEqualTo("0644");
      assertThat(warren.exec(b, "echo $((6*7))").path("stdout").asString()).isEqualTo("42\n");
      assertThat(warren.exec(a, "echo $SECRET").path("stdout").asString()).isEqualTo(secret + "\n");
    }
  }

  @Test
  void startUpRepairsModesLeftOpenAndNamesEveryPath() throws Exception {
    try (TestWarren warren = TestWarren.start()) {
      String id = warren.createSandbox(TestWarren.json(Map.of("env", Map.of("SECRET", "s3cret"))));
      warren.exec(id, "echo kept > /root/kept.txt");
      Path data = warren.dataDir();
      Path sbx = data.resolve("sandboxes").resolve(id);
      long root = uid(sbx);
      // what an older Warren left: a readable store, token and logs, sandbox bundles open to all
      List<Path> opened = List.of(data.resolve("warren.db"), data.resolve("warren.db-wal"), data.resolve("warren.db-shm"),
          data.resolve("token"), sbx.resolve("bundle/config.json"));
      for (Path f : opened) {
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
      }
      Files.setPosixFilePermissions(data.resolve("logs"), PosixFilePermissions.fromString("rwxr-xr-x"));
      Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x"));
      Files.setPosixFilePermissions(sbx, PosixFilePermissions.fromString("rwxr-xr-x"));
      Files.setPosixFilePermissions(sbx.resolve("bundle"), PosixFilePermissions.fromString("rwxr-xr-x"));
      new ProcessBuilder("chown", "0:0", sbx.toString()).start().waitFor();
      assertThat(AsUser.read(AsUser.NOBODY, data.resolve("warren.db-wal")).ok()).as("readable before the restart").isTrue();
      assertThat(AsUser.read(AsUser.NOBODY, sbx.resolve("bundle/config.json")).ok()).isTrue();

      warren.kill9AndRestart();
      // the sandboxes' own files are checked in the background of the start (the data directory's before it)
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
      while (!Files.readString(warren.logFile()).contains("given their owner and mode") && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }

      for (Path f : opened) {
        assertThat(mode(f)).as(f.toString()).isEqualTo("rw-------");
        assertThat(AsUser.read(AsUser.NOBODY, f).ok()).as("nobody reads %s after the restart", f).isFalse();
      }
      assertThat(mode(data.resolve("logs"))).isEqualTo("rwx------");
      assertThat(mode(data)).isEqualTo("rwx--x--x");
      assertThat(mode(sbx)).isEqualTo("rwx------");
      assertThat(mode(sbx.resolve("bundle"))).isEqualTo("rwx------");
      assertThat(uid(sbx)).isEqualTo(root);
      String log = Files.readString(warren.logFile());
      assertThat(log).contains("their modes were repaired").contains(data.resolve("warren.db-wal") + " 0644 -> 0600")
          .contains(data.resolve("warren.db-shm") + " 0644 -> 0600").contains(data.resolve("token") + " 0644 -> 0600")
          .contains(data.resolve("logs") + " 0755 -> 0700").contains(data + " 0755 -> 0711")
          .contains(sbx + " 0 0755 -> " + root + " 0700").contains(sbx.resolve("bundle/config.json") + " 0 0644 -> 0 0600");

      // nothing else harmed: the sandbox was adopted, runs, kept its files and environment
      assertThat(warren.get("/v1/sandboxes/" + id).json().path("state").asString()).isEqualTo("running");
      assertThat(warren.exec(id, "cat /root/kept.txt; echo $SECRET").path("stdout").asString()).isEqualTo("kept\ns3cret\n");
      String fresh = warren.createSandbox("{}");
      assertThat(warren.exec(fresh, "echo ok").path("stdout").asString()).isEqualTo("ok\n");
      // a second start finds nothing to repair
      warren.restart();
      String again = Files.readString(warren.logFile()).substring(log.length());
      assertThat(again).contains("API listening").doesNotContain("their modes were repaired").doesNotContain("given their owner and mode");
    }
  }

  @Test
  void aPostgresPasswordIsNeitherOnDiskNorLoggedEvenAtTrace() throws Exception {
    try (var pg = dev.warren.testing.TestDatabases.postgres();
         TestWarren warren = TestWarren.start(with(pg.settings(), "WARREN_LOG_LEVEL", "TRACE"))) {
      String id = warren.createSandbox("{}");
      assertThat(warren.exec(id, "echo ok").path("stdout").asString()).isEqualTo("ok\n");
      warren.restart();
      assertThat(warren.get("/v1/sandboxes/" + id).status()).isEqualTo(200);
      assertThat(warren.dataDir().resolve("warren.db")).doesNotExist();
      List<String> holding = new java.util.ArrayList<>();
      try (var files = Files.walk(warren.dataDir())) {
        // sandbox disks (disk.img, templates, the pool's) are the sandboxes' own writes like upper/, and sparse GiBs
        for (Path f : files.filter(p -> !p.toString().contains("/rootfs/") && !p.toString().contains("/upper/")
                && !p.toString().endsWith(".img") && !p.toString().contains("/disk-templates/"))
            .filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).toList()) {
          if (new String(Files.readAllBytes(f), java.nio.charset.StandardCharsets.ISO_8859_1).contains(pg.password())) {
            holding.add(f.toString());
          }
        }
      }
      assertThat(holding).as("files of the data directory holding the database password").isEmpty();
      assertThat(Files.readString(warren.logFile())).contains("level=DEBUG").doesNotContain(pg.password());
      assertThat(Files.readString(Path.of("/proc", Long.toString(warren.pid()), "cmdline"))).doesNotContain(pg.password());
    }
  }

  @Test
  void aConfigurationShownAnywhereHidesTheDatabasePasswordAndNamesEveryOtherSetting() {
    String password = "pw-" + UUID.randomUUID();
    dev.warren.config.Config c = dev.warren.config.Config.from(Map.of("WARREN_DATA", "/tmp/warren-config-shown",
        "WARREN_DB_URL", "jdbc:postgresql://127.0.0.1:5432/w?password=" + password, "WARREN_DB_USER", "u", "WARREN_DB_PASSWORD", password));
    assertThat(c.toString()).doesNotContain(password).contains("dbPassword=Optional[***]").contains("password=***");
    for (var component : dev.warren.config.Config.class.getRecordComponents()) {
      assertThat(c.toString()).as("toString names every setting").contains(component.getName() + "=");
    }
  }

  private static Map<String, String> with(Map<String, String> base, String key, String value) {
    Map<String, String> m = new java.util.HashMap<>(base);
    m.put(key, value);
    return m;
  }

  private static long uid(Path p) throws Exception {
    return ((Number) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS)).longValue();
  }

  private static String mode(Path p) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
  }
}
