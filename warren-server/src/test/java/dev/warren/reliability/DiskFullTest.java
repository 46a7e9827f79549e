package dev.warren.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.testing.TestWarren;
import dev.warren.testing.TestWarren.Resp;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sqlite.SQLiteConfig;
import tools.jackson.databind.JsonNode;

/**
 * The data directory's filesystem fills up (a small ext4 of its own): calls that write answer 503
 * naming the disk, nothing stored is damaged or left half-written, reads keep working, and
 * service resumes as soon as space is freed, without a restart. Sandboxes get 24 MiB disks: a
 * disk must be able to grow to its limit on the data directory's filesystem, and the default of
 * 10 GiB does not fit on 128 MiB.
 */
class DiskFullTest {
  private static final long MIB = 1 << 20;

  static void assertDiskProblem(Resp r, String what) {
    assertThat(r.status()).as("%s: %s", what, r).isEqualTo(503);
    JsonNode p = r.json();
    assertThat(p.path("type").asString()).endsWith("/runtime-unavailable");
    assertThat(p.path("detail").asString()).as(what).contains("no space left on device in the data directory");
  }

  static String integrity(Path db) throws Exception {
    SQLiteConfig c = new SQLiteConfig();
    c.setReadOnly(true);
    try (Connection conn = DriverManager.getConnection("jdbc:sqlite:" + db, c.toProperties());
         ResultSet rs = conn.createStatement().executeQuery("PRAGMA integrity_check")) {
      rs.next();
      return rs.getString(1);
    }
  }

  /** What a client can read back of one sandbox: its record, a file, a session command's output. */
  record Kept(String sandbox, String file, String command) {
    static Kept read(TestWarren w, String id, String commandPath) {
      JsonNode s = w.get("/v1/sandboxes/" + id).json();
      return new Kept(s.path("id").asString() + " " + s.path("state").asString() + " " + s.path("generation").asLong() + " "
          + s.path("address").asString() + " " + s.path("labels"), w.get("/v1/sandboxes/" + id + "/files?path=/workspace/keep.txt").text(),
          w.get(commandPath).json().path("stdout").asString());
    }
  }

  private static String[] setUp(TestWarren warren) {
    String id = warren.createSandbox("{\"labels\": {\"disk\": \"full\"}}");
    assertThat(warren.put("/v1/sandboxes/" + id + "/files?path=/workspace/keep.txt", "kept across a full disk\n".getBytes()).status())
        .isEqualTo(204);
    String sid = warren.post("/v1/sandboxes/" + id + "/sessions", "{}").json().path("id").asString();
    JsonNode cmd = warren.post("/v1/sandboxes/" + id + "/sessions/" + sid + "/commands", "{\"command\": \"seq 1 1000 | tail -1\"}").json();
    assertThat(cmd.path("stdout").asString()).isEqualTo("1000\n");
    return new String[] {id, sid, "/v1/sandboxes/" + id + "/sessions/" + sid + "/commands/" + cmd.path("id").asString()};
  }

  @Test
  void belowTheFreeSpaceReserveWritesAre503NamingTheDiskAndServiceResumesWhenSpaceIsFreed() throws Exception {
    try (LoopDisk disk = LoopDisk.create(128);
         TestWarren warren = TestWarren.startIn(disk.mountPoint(), disk.beside("server.log"), Map.of("WARREN_MIN_FREE_SPACE", "24m",
             "WARREN_DEFAULT_DISK_MB", "24"));
         AutoCloseable unfill = () -> disk.delete("filler")) {
      String[] s = setUp(warren);
      String id = s[0];
      String sid = s[1];
      Kept before = Kept.read(warren, id, s[2]);
      long pid = warren.pid();

      disk.fillLeaving("filler", 8 * MIB);
      System.out.printf("filled: %d MiB free of 128%n", disk.free() / MIB);
      assertDiskProblem(warren.post("/v1/sandboxes", "{}"), "create a sandbox");
      assertDiskProblem(warren.put("/v1/sandboxes/" + id + "/files?path=/workspace/new.txt", new byte[1024]), "upload");
      assertDiskProblem(warren.post("/v1/sandboxes/" + id + "/sessions", "{}"), "open a session");
      assertDiskProblem(warren.post("/v1/sandboxes/" + id + "/sessions/" + sid + "/commands", "{\"command\": \"true\"}"), "run a command");
      Resp refused = warren.post("/v1/sandboxes", "{}");
      assertThat(refused.json().path("detail").asString()).contains(disk.mountPoint().toString()).contains("WARREN_MIN_FREE_SPACE")
          .contains("MiB free");
      // reads work, and show exactly what was there; nothing was half-made
      assertThat(Kept.read(warren, id, s[2])).isEqualTo(before);
      assertThat(warren.get("/v1/sandboxes").json().path("sandboxes")).hasSize(1);
      assertThat(warren.get("/v1/sandboxes/" + id + "/sessions").json().path("sessions")).hasSize(1);
      assertThat(warren.get("/v1/sandboxes/" + id + "/files/list?path=/workspace").json().path("entries")).hasSize(1);
      assertThat(warren.get("/readyz").status()).isEqualTo(200);
      // stopping frees resources and is let through; starting again is new work and waits for space
      assertThat(warren.post("/v1/sandboxes/" + id + "/stop", null).json().path("state").asString()).isEqualTo("stopped");
      assertDiskProblem(warren.post("/v1/sandboxes/" + id + "/start", null), "start a sandbox");

      disk.delete("filler");
      assertThat(warren.post("/v1/sandboxes/" + id + "/start", null).json().path("state").asString()).isEqualTo("running");
      sid = warren.post("/v1/sandboxes/" + id + "/sessions", "{}").json().path("id").asString();
      String second = warren.createSandbox("{}");
      assertThat(warren.put("/v1/sandboxes/" + id + "/files?path=/workspace/new.txt", "after\n".getBytes()).status()).isEqualTo(204);
      assertThat(warren.post("/v1/sandboxes/" + id + "/sessions/" + sid + "/commands", "{\"command\": \"cat /workspace/new.txt\"}").json()
          .path("stdout").asString()).isEqualTo("after\n");
      assertThat(warren.exec(second, "echo fine").path("stdout").asString()).isEqualTo("fine\n");
      assertThat(warren.pid()).as("no controller restart").isEqualTo(pid);
      assertThat(integrity(disk.mountPoint().resolve("warren.db"))).isEqualTo("ok");
    }
  }

  @Test
  void aCompletelyFullDiskFailsWritesCleanlyCorruptsNothingAndRecovers() throws Exception {
    // no reserve: the writes themselves meet ENOSPC (SQLite, the sandbox's files, the runtime's directories)
    try (LoopDisk disk = LoopDisk.create(128);
         TestWarren warren = TestWarren.startIn(disk.mountPoint(), disk.beside("server.log"), Map.of("WARREN_MIN_FREE_SPACE", "0",
             "WARREN_DEFAULT_DISK_MB", "24"));
         AutoCloseable unfill = () -> disk.delete("filler")) {
      String[] s = setUp(warren);
      String id = s[0];
      String sid = s[1];
      Kept before = Kept.read(warren, id, s[2]);
      long pid = warren.pid();

      disk.fillCompletely("filler");
      System.out.printf("filled: %d bytes free%n", disk.free());
      Resp upload = warren.put("/v1/sandboxes/" + id + "/files?path=/workspace/big.bin", new byte[(int) (4 * MIB)]);
      System.out.println("upload: " + upload);
      assertDiskProblem(upload, "upload 4 MiB");
      Resp create = warren.post("/v1/sandboxes", "{}");
      System.out.println("create: " + create);
      assertDiskProblem(create, "create a sandbox");
      Resp cmd = warren.post("/v1/sandboxes/" + id + "/sessions/" + sid + "/commands", "{\"command\": \"echo during\"}");
      System.out.println("command: " + cmd);
      Resp session = warren.post("/v1/sandboxes/" + id + "/sessions", "{}");
      System.out.println("session: " + session);
      Resp exec = warren.post("/v1/sandboxes/" + id + "/exec", "{\"command\": \"echo during\"}");
      System.out.println("exec: " + exec);
      for (Resp r : new Resp[] {cmd, session, exec}) {
        assertThat(r.status()).as(r.toString()).isNotEqualTo(500);
        if (r.status() >= 500) {
          assertDiskProblem(r, r.raw().uri().getPath());
        }
      }
      // nothing half-written: no partial upload, no half-made sandbox, and the database is intact
      assertThat(warren.get("/v1/sandboxes/" + id + "/files/list?path=/workspace").text()).doesNotContain("big.bin")
          .doesNotContain(".warren-upload");
      assertThat(warren.get("/v1/sandboxes").json().path("sandboxes")).hasSize(1);
      if (cmd.status() == 503) {
        assertThat(warren.get("/v1/sandboxes/" + id + "/sessions/" + sid + "/commands").json().path("commands")).hasSize(1);
      }
      if (session.status() == 503) {
        assertThat(warren.get("/v1/sandboxes/" + id + "/sessions").json().path("sessions")).hasSize(1);
      }
      assertThat(Kept.read(warren, id, s[2])).isEqualTo(before);
      assertThat(integrity(disk.mountPoint().resolve("warren.db"))).isEqualTo("ok");

      disk.delete("filler");
      JsonNode now = warren.get("/v1/sandboxes/" + id).json();
      if (!now.path("state").asString().equals("running")) {
        assertThat(warren.post("/v1/sandboxes/" + id + "/start", null).status()).isEqualTo(200);
      }
      assertThat(warren.get("/v1/sandboxes/" + id + "/files?path=/workspace/keep.txt").text()).isEqualTo("kept across a full disk\n");
      assertThat(warren.put("/v1/sandboxes/" + id + "/files?path=/workspace/big.bin", new byte[(int) (4 * MIB)]).status()).isEqualTo(204);
      String second = warren.createSandbox("{}");
      assertThat(warren.exec(second, "echo fine").path("stdout").asString()).isEqualTo("fine\n");
      String sid2 = warren.post("/v1/sandboxes/" + id + "/sessions", "{}").json().path("id").asString();
      assertThat(warren.post("/v1/sandboxes/" + id + "/sessions/" + sid2 + "/commands", "{\"command\": \"cat /workspace/keep.txt\"}").json()
          .path("stdout").asString()).isEqualTo("kept across a full disk\n");
      assertThat(warren.get(s[2]).json().path("stdout").asString()).isEqualTo(before.command());
      assertThat(warren.pid()).as("no controller restart").isEqualTo(pid);
      assertThat(integrity(disk.mountPoint().resolve("warren.db"))).isEqualTo("ok");
    }
  }

  @Test
  void underLoadAFullDiskIsAnswered503NamingItLosesNothingAndServiceResumesWithinFiveSeconds() throws Exception {
    FaultResult r = Faults.diskFull(System.out::println);
    r.print(System.out::println);
    assertThat(r.named()).as("calls answered 503 naming the disk while it was full").isPositive();
    assertThat(r.failures()).isEmpty();
  }
}
