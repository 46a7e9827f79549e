package dev.warren.volume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.warren.client.ConflictException;
import dev.warren.client.Sandbox;
import dev.warren.client.SandboxSpec;
import dev.warren.client.VolumeInfo;
import dev.warren.client.VolumeMount;
import dev.warren.client.Warren;
import dev.warren.testing.HostUser;
import dev.warren.testing.TestWarren;
import dev.warren.testing.WarrenCli;
import dev.warren.testing.WarrenFixture;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * Volumes through the API on real crun: their files outlive the sandboxes that wrote them (owners
 * and modes kept across sandboxes of different uid ranges), read-only mounts refuse writes, the
 * size is the kernel's limit, one writer at a time, delete refused while mounted, restarts, the
 * file API, and bad input.
 */
class VolumesTest {
  @RegisterExtension
  static final WarrenFixture fixture = WarrenFixture.plain();
  static final tools.jackson.databind.json.JsonMapper JSON = tools.jackson.databind.json.JsonMapper.builder().build();

  private static String volumes(String name, String path, boolean readOnly) {
    return "{\"volumes\": [{\"name\": \"" + name + "\", \"path\": \"" + path + "\", \"readOnly\": " + readOnly + "}]}";
  }

  private static TestWarren.Resp createVolume(TestWarren w, String name, int sizeMb) {
    return w.post("/v1/volumes", "{\"name\": \"" + name + "\", \"sizeMb\": " + sizeMb + "}");
  }

  /** A new 32 MiB volume and a sandbox that mounts it read-write at {@code path} and has run {@code command}. */
  private static String writer(TestWarren w, String volume, String path, String command) {
    assertThat(createVolume(w, volume, 32).status()).isEqualTo(201);
    String id = w.createSandbox(volumes(volume, path, false));
    assertThat(w.exec(id, command).path("exitCode").asInt()).isZero();
    return id;
  }

  @Test
  void filesWrittenByOneSandboxAreReadByTheNextWithTheirOwnersAndModes() throws Exception {
    TestWarren w = fixture.server();
    long t0 = System.nanoTime();
    TestWarren.Resp made = createVolume(w, "cache", 64);
    long createNanos = System.nanoTime() - t0;
    assertThat(made.status()).as("%s", made).isEqualTo(201);
    assertThat(made.json().path("sizeMb").asInt()).isEqualTo(64);
    assertThat(made.json().path("mountedBy").size()).isZero();

    // a sandbox that holds another uid range first, so the writer and the reader have different idmaps
    String other = w.createSandbox("{}");
    t0 = System.nanoTime();
    String a = w.createSandbox(volumes("cache", "/root/.cache", false));
    long withVolume = System.nanoTime() - t0;
    t0 = System.nanoTime();
    String plain = w.createSandbox("{}");
    long without = System.nanoTime() - t0;
    JsonNode wrote = w.exec(a, "echo hello > /root/.cache/f && chown 1234:1234 /root/.cache/f && chmod 640 /root/.cache/f"
        + " && echo root > /root/.cache/r && mkdir /root/.cache/d && chown 1000:1000 /root/.cache/d && stat -c '%u:%g %a' /root/.cache/f");
    assertThat(wrote.path("exitCode").asInt()).as("%s", wrote).isZero();
    assertThat(wrote.path("stdout").asString().strip()).isEqualTo("1234:1234 640");
    assertThat(w.get("/v1/sandboxes/" + a).json().path("volumes").get(0).path("name").asString()).isEqualTo("cache");
    JsonNode held = w.get("/v1/volumes/cache").json();
    assertThat(held.path("mountedBy").get(0).path("sandboxId").asString()).isEqualTo(a);
    assertThat(held.path("usedBytes").asLong()).isPositive();

    // on the host: root's alone, and the files carry the uids they have inside, not a sandbox's host uids
    Path dir = w.dataDir().resolve("volumes");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("cache")))).isEqualTo("rwx------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("cache/volume.img")))).isEqualTo("rw-------");
    assertThat(Files.getAttribute(dir.resolve("cache/mnt/f"), "unix:uid")).isEqualTo(1234);
    assertThat(Files.getAttribute(dir.resolve("cache/mnt/r"), "unix:uid")).isEqualTo(0);
    for (Path p : List.of(dir.resolve("cache/mnt/r"), dir.resolve("cache/volume.img"))) {
      HostUser.Result denied = HostUser.run(List.of("cat", p.toString()), java.time.Duration.ofSeconds(10));
      assertThat(denied.exitCode()).as("a host user reads %s: %s", p, denied).isNotZero();
      assertThat(denied.stderr()).contains("Permission denied");
    }
    // a sandbox that does not name the volume has nothing of it
    assertThat(w.exec(plain, "ls -A /root/.cache 2>&1; grep -c ' /root/.cache ' /proc/self/mountinfo").path("stdout").asString())
        .doesNotContain("f\n").endsWith("0\n");

    assertThat(w.delete("/v1/sandboxes/" + a).status()).isEqualTo(204);
    assertThat(w.delete("/v1/sandboxes/" + other).status()).isEqualTo(204);
    String b = w.createSandbox(volumes("cache", "/data", true));
    JsonNode read = w.exec(b, "cat /data/f; stat -c '%u:%g %a' /data/f /data/r /data/d; ls -A /data");
    assertThat(read.path("stdout").asString()).isEqualTo("hello\n1234:1234 640\n0:0 644\n1000:1000 755\nd\nf\nr\n");
    // the file API reaches the volume, not the empty mount point in the root filesystem
    TestWarren.Resp file = w.get("/v1/sandboxes/" + b + "/files?path=" + URLEncoder.encode("/data/r", StandardCharsets.UTF_8));
    assertThat(file.status()).as("%s", file).isEqualTo(200);
    assertThat(file.text()).isEqualTo("root\n");
    assertThat(w.get("/v1/sandboxes/" + b + "/files/list?path=/data").text()).contains("\"f\"", "\"d\"");

    // read-only: the kernel refuses writes, and so does the file API
    JsonNode refused = w.post("/v1/sandboxes/" + b + "/exec", "{\"command\": \"echo x > /data/g\"}").json();
    assertThat(refused.path("exitCode").asInt()).isNotZero();
    assertThat(refused.path("stderr").asString()).contains("Read-only file system");
    TestWarren.Resp put = w.put("/v1/sandboxes/" + b + "/files?path=/data/g", "x".getBytes(StandardCharsets.UTF_8));
    assertThat(put.status()).as("%s", put).isEqualTo(400);
    assertThat(put.text()).contains("read-only");

    // a read-write mount: the file API writes as the sandbox's root would
    String c = w.createSandbox(volumes("cache", "/work/cache", false));
    assertThat(w.put("/v1/sandboxes/" + c + "/files?path=/work/cache/up/loaded", "up".getBytes(StandardCharsets.UTF_8)).status())
        .isEqualTo(204);
    assertThat(w.exec(c, "stat -c '%u:%g' /work/cache/up/loaded; cat /work/cache/up/loaded").path("stdout").asString()).isEqualTo("0:0\nup");
    // the figures of the report: creates alternating with and without a (read-only) volume
    List<Long> with = new java.util.ArrayList<>(List.of(withVolume));
    List<Long> plainTimes = new java.util.ArrayList<>(List.of(without));
    for (int i = 0; i < 6; i++) {
      long s0 = System.nanoTime();
      String v = w.createSandbox(volumes("cache", "/v", true));
      with.add(System.nanoTime() - s0);
      s0 = System.nanoTime();
      String p = w.createSandbox("{}");
      plainTimes.add(System.nanoTime() - s0);
      w.delete("/v1/sandboxes/" + v);
      w.delete("/v1/sandboxes/" + p);
    }
    java.util.Collections.sort(with);
    java.util.Collections.sort(plainTimes);
    System.out.printf("volume create (64 MiB): %.1f ms; sandbox create with a volume: median %.1f ms, without: median %.1f ms (7 each)%n",
        createNanos / 1e6, with.get(3) / 1e6, plainTimes.get(3) / 1e6);
    for (String id : List.of(b, c, plain)) {
      assertThat(w.delete("/v1/sandboxes/" + id).status()).isEqualTo(204);
    }
    assertThat(w.delete("/v1/volumes/cache").status()).isEqualTo(204);
    assertThat(dir.resolve("cache")).doesNotExist();
  }

  @Test
  void theSizeIsEnforcedByTheKernel() {
    TestWarren w = fixture.server();
    assertThat(createVolume(w, "small", 32).status()).isEqualTo(201);
    String id = w.createSandbox(volumes("small", "/small", false));
    JsonNode full = w.post("/v1/sandboxes/" + id + "/exec",
        "{\"command\": \"dd if=/dev/zero of=/small/big bs=1M count=64; sync; stat -c %s /small/big\"}").json();
    assertThat(full.path("stderr").asString()).contains("No space left on device");
    long written = Long.parseLong(full.path("stdout").asString().strip());
    assertThat(written).isBetween(24L << 20, 32L << 20);
    // the sandbox's own disk is not the volume's: it still takes writes
    assertThat(w.exec(id, "echo ok > /root/ok && cat /root/ok").path("stdout").asString()).isEqualTo("ok\n");
    w.delete("/v1/sandboxes/" + id);
    assertThat(w.delete("/v1/volumes/small").status()).isEqualTo(204);
  }

  @Test
  void oneWriterAtATimeAndNoDeleteWhileMounted() {
    TestWarren w = fixture.server();
    assertThat(createVolume(w, "shared", 32).status()).isEqualTo(201);
    String writer = w.createSandbox(volumes("shared", "/s", false));
    TestWarren.Resp second = w.post("/v1/sandboxes", volumes("shared", "/s", false));
    assertThat(second.status()).as("%s", second).isEqualTo(409);
    assertThat(second.text()).contains("shared", writer);
    String reader1 = w.createSandbox(volumes("shared", "/s", true));
    String reader2 = w.createSandbox(volumes("shared", "/other", true));
    w.exec(writer, "echo seen > /s/x");
    assertThat(w.exec(reader2, "cat /other/x").path("stdout").asString()).isEqualTo("seen\n");

    TestWarren.Resp refused = w.delete("/v1/volumes/shared");
    assertThat(refused.status()).isEqualTo(409);
    assertThat(refused.text()).contains(writer, reader1, reader2);
    // a stopped sandbox still holds its volumes: it mounts them again at its start
    w.post("/v1/sandboxes/" + writer + "/stop", null);
    assertThat(w.post("/v1/sandboxes", volumes("shared", "/s", false)).status()).isEqualTo(409);
    w.post("/v1/sandboxes/" + writer + "/start", null);
    assertThat(w.exec(writer, "cat /s/x").path("stdout").asString()).isEqualTo("seen\n");
    for (String id : List.of(writer, reader1, reader2)) {
      w.delete("/v1/sandboxes/" + id);
    }
    // the writer gone, another may write
    String next = w.createSandbox(volumes("shared", "/s", false));
    w.delete("/v1/sandboxes/" + next);
    assertThat(w.delete("/v1/volumes/shared").status()).isEqualTo(204);
    assertThat(w.get("/v1/volumes/shared").status()).isEqualTo(404);
  }

  @Test
  void volumesSurviveAKilledControllerAndLeftoversAreRemoved() throws Exception {
    TestWarren w = fixture.server();
    String id = writer(w, "keep", "/keep", "echo kept > /keep/k");
    // what a create killed before its row leaves: files without a row
    Path orphan = w.dataDir().resolve("volumes/orphan");
    Files.createDirectories(orphan);
    Files.writeString(orphan.resolve("volume.img"), "x");
    w.stopProcess(true);
    // what a teardown leaves on SQLite (which does not cascade): the mount of a sandbox whose row is gone, here a writer
    try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + w.dataDir().resolve("warren.db")); var st = c.createStatement()) {
      st.executeUpdate("INSERT INTO volume_mounts (sandbox_id, volume_name, path, read_only) VALUES ('sbx_gone', 'ghost', '/g', 0)");
    }
    w.relaunch();
    assertThat(orphan).doesNotExist();
    try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + w.dataDir().resolve("warren.db")); var st = c.createStatement();
         var rs = st.executeQuery("SELECT COUNT(*) FROM volume_mounts WHERE sandbox_id = 'sbx_gone'")) {
      assertThat(rs.next() && rs.getInt(1) == 0).as("the mount of a sandbox the store no longer has is forgotten").isTrue();
    }
    assertThat(w.exec(id, "cat /keep/k").path("stdout").asString()).isEqualTo("kept\n");
    JsonNode listed = w.get("/v1/volumes").json().path("volumes");
    assertThat(listed.size()).isEqualTo(1);
    assertThat(listed.get(0).path("mountedBy").get(0).path("sandboxId").asString()).isEqualTo(id);
    w.delete("/v1/sandboxes/" + id);
    String next = w.createSandbox(volumes("keep", "/k2", true));
    assertThat(w.exec(next, "cat /k2/k").path("stdout").asString()).isEqualTo("kept\n");
    w.delete("/v1/sandboxes/" + next);
    assertThat(w.delete("/v1/volumes/keep").status()).isEqualTo(204);
  }

  @Test
  void aBackupHoldsTheVolumesAndARestoreBringsThemBack() throws Exception {
    TestWarren w = fixture.server();
    String id = writer(w, "saved", "/saved", "echo saved > /saved/s && chown 1000:1000 /saved/s && dd if=/dev/urandom of=/saved/r bs=1M count=4");
    String sum = w.exec(id, "md5sum < /saved/r").path("stdout").asString();
    Path tmp = Files.createTempDirectory("warren-volume-backup");
    Path backup = tmp.resolve("backup.zip");
    try {
      // taken while the sandbox still has the volume mounted read-write
      WarrenCli.Result r = WarrenCli.run(w.env(), "backup", backup.toString());
      assertThat(r.code()).as("%s", r).isZero();
      try (ZipFile z = new ZipFile(backup.toFile())) {
        assertThat(z.stream().map(ZipEntry::getName).toList()).contains("files/volumes/saved/volume.img", "store/volumes.jsonl",
            "store/volume_mounts.jsonl");
      }
      assertThat(w.exec(id, "echo after > /saved/a && cat /saved/a").path("stdout").asString()).as("thawed after the backup").isEqualTo("after\n");
      w.delete("/v1/sandboxes/" + id);
      assertThat(w.delete("/v1/volumes/saved").status()).isEqualTo(204);

      Path fresh = TestWarren.newDataDir();
      Map<String, String> env = new HashMap<>(Map.of("WARREN_DATA", fresh.toString(), "WARREN_IMAGES", TestWarren.IMAGES.toString()));
      WarrenCli.Result restored = WarrenCli.run(env, "restore", backup.toString());
      assertThat(restored.code()).as("%s", restored).isZero();
      Path image = fresh.resolve("volumes/saved/volume.img");
      assertThat(Files.size(image)).isEqualTo(32L << 20);
      String du = TestWarren.run("du", "-B1", image.toString()).split("\\s+")[0];
      assertThat(Long.parseLong(du)).as("restored sparse").isLessThan(16L << 20);
      try (TestWarren b = TestWarren.startOn(fresh, Map.of())) {
        assertThat(b.get("/v1/volumes/saved").json().path("mountedBy").get(0).path("sandboxId").asString()).isEqualTo(id);
        // the restored sandbox's processes are not on this instance; deleting it frees the volume
        b.delete("/v1/sandboxes/" + id);
        String next = b.createSandbox(volumes("saved", "/v", false));
        assertThat(b.exec(next, "cat /v/s; stat -c %u /v/s; md5sum < /v/r").path("stdout").asString()).isEqualTo("saved\n1000\n" + sum);
        b.delete("/v1/sandboxes/" + next);
        assertThat(b.delete("/v1/volumes/saved").status()).isEqualTo(204);
      }
    } finally {
      new ProcessBuilder("rm", "-rf", tmp.toString()).start().waitFor();
    }
  }

  @Test
  void theJavaSdkMakesMountsAndDeletesVolumes() {
    try (Warren warren = fixture.server().sdk()) {
      VolumeInfo made = warren.volumes().create("sdk", 32);
      assertThat(made.sizeMb()).isEqualTo(32);
      assertThatThrownBy(() -> warren.volumes().create("sdk", 32)).isInstanceOf(ConflictException.class);
      assertThatThrownBy(() -> warren.volumes().create("No Such", 32)).isInstanceOf(IllegalArgumentException.class);
      String id;
      try (Sandbox sbx = warren.sandboxes().create(SandboxSpec.builder().volume("sdk", "/sdk", false).build())) {
        id = sbx.id();
        assertThat(sbx.exec("echo via-sdk > /sdk/f && cat /sdk/f").stdout()).isEqualTo("via-sdk\n");
        // the sandbox's own info says what it mounts, as created and as read again
        assertThat(sbx.info().volumes()).containsExactly(new VolumeMount("sdk", "/sdk", false));
        assertThat(warren.sandboxes().get(id).orElseThrow().info().volumes()).containsExactly(new VolumeMount("sdk", "/sdk", false));
        assertThat(warren.volumes().get("sdk").orElseThrow().mountedBy()).containsExactly(new VolumeInfo.Holder(id, "/sdk", false));
        assertThatThrownBy(() -> warren.volumes().delete("sdk")).isInstanceOf(ConflictException.class).hasMessageContaining(id);
        sbx.delete();
      }
      assertThat(warren.volumes().list()).extracting(VolumeInfo::name).contains("sdk");
      assertThat(warren.volumes().delete("sdk")).isTrue();
      assertThat(warren.volumes().delete("sdk")).isFalse();
      assertThat(warren.volumes().get("sdk")).isEmpty();
    }
  }

  @Test
  void theCliMakesListsShowsAndDeletesVolumes() throws Exception {
    Map<String, String> env = fixture.server().env();
    WarrenCli.Result made = WarrenCli.run(env, "volume", "create", "cli-vol", "--size-mb", "32", "-o", "json");
    assertThat(made.code()).as("%s", made).isZero();
    assertThat(JSON.readTree(made.output()).path("sizeMb").asInt()).isEqualTo(32);
    WarrenCli.Result again = WarrenCli.run(env, "volume", "create", "cli-vol", "--size-mb", "32");
    assertThat(again.code()).as("%s", again).isNotZero();
    assertThat(again.output()).contains("cli-vol");
    WarrenCli.Result sbx = WarrenCli.run(env, "sandbox", "create", "--volume", "cli-vol:/data:ro", "-o", "json");
    assertThat(sbx.code()).as("%s", sbx).isZero();
    JsonNode sandbox = JSON.readTree(sbx.output());
    String id = sandbox.path("id").asString();
    assertThat(sandbox.path("volumes").get(0).path("name").asString()).isEqualTo("cli-vol");
    assertThat(sandbox.path("volumes").get(0).path("path").asString()).isEqualTo("/data");
    assertThat(sandbox.path("volumes").get(0).path("readOnly").asBoolean()).isTrue();

    WarrenCli.Result listed = WarrenCli.run(env, "volume", "list");
    assertThat(listed.code()).as("%s", listed).isZero();
    assertThat(listed.output()).contains("NAME", "cli-vol", id + ":/data (ro)");
    JsonNode shown = JSON.readTree(WarrenCli.run(env, "volume", "get", "cli-vol", "-o", "json").output());
    assertThat(shown.path("mountedBy").get(0).path("sandboxId").asString()).isEqualTo(id);
    WarrenCli.Result busy = WarrenCli.run(env, "volume", "delete", "cli-vol");
    assertThat(busy.code()).as("%s", busy).isNotZero();
    assertThat(busy.output()).contains(id);

    assertThat(WarrenCli.run(env, "sandbox", "rm", id).code()).isZero();
    assertThat(WarrenCli.run(env, "volume", "rm", "cli-vol").code()).isZero();
    WarrenCli.Result gone = WarrenCli.run(env, "volume", "get", "cli-vol");
    assertThat(gone.code()).isEqualTo(1);
    assertThat(gone.output()).contains("no volume cli-vol");
    assertThat(WarrenCli.run(env, "sandbox", "create", "--volume", "cli-vol").output()).contains("--volume takes NAME:PATH or NAME:PATH:ro");
  }

  @Test
  void badInputIsRefusedNamingTheField() {
    TestWarren w = fixture.server();
    assertField(createVolume(w, "Bad Name", 32), 400, "name");
    assertField(createVolume(w, "ok", 1), 400, "sizeMb");
    assertField(w.post("/v1/volumes", "{\"name\": \"ok\"}"), 400, "sizeMb");
    assertField(w.get("/v1/volumes/nope"), 404, null);
    assertField(w.delete("/v1/volumes/nope"), 404, null);
    assertThat(createVolume(w, "bad", 16).status()).isEqualTo(201);
    assertField(createVolume(w, "bad", 16), 409, null);
    assertField(w.post("/v1/sandboxes", volumes("unknown", "/x", false)), 400, "volumes[0].name");
    for (String path : List.of("relative", "/a/../../etc", "/", "/proc", "/proc/self", "/etc/hosts", "/usr", "/dev/x", "/.warren", "/a/./b")) {
      assertField(w.post("/v1/sandboxes", volumes("bad", path, false)), 400, "volumes[0].path");
    }
    assertField(w.post("/v1/sandboxes", "{\"volumes\": [{\"name\": \"bad\", \"path\": \"/a\", \"readOnly\": true}, "
        + "{\"name\": \"bad\", \"path\": \"/a\", \"readOnly\": true}]}"), 400, "volumes[1].path");
    assertField(w.post("/v1/sandboxes", "{\"volumes\": [{\"name\": \"bad\", \"path\": \"/a\", \"readOnly\": true}, "
        + "{\"name\": \"bad\", \"path\": \"/b\", \"readOnly\": true}]}"), 400, "volumes[1].name");
    assertField(w.post("/v1/sandboxes", "{\"volumes\": [{\"name\": \"bad\"}]}"), 400, "volumes[0].path");
    assertField(w.post("/v1/sandboxes", "{\"volumes\": [{\"name\": \"bad\", \"path\": \"/a\", \"mode\": \"rw\"}]}"), 400, "volumes[0].mode");
    assertField(w.post("/v1/sandboxes", "{\"volumes\": {\"name\": \"bad\"}}"), 400, "volumes");
    assertThat(w.get("/v1/sandboxes").json().path("sandboxes").size()).isZero();
    assertThat(w.delete("/v1/volumes/bad").status()).isEqualTo(204);
  }

  private static void assertField(TestWarren.Resp r, int status, String field) {
    assertThat(r.status()).as("%s", r).isEqualTo(status);
    if (field != null) {
      assertThat(r.json().path("field").asString()).as("%s", r).isEqualTo(field);
    }
  }
}
