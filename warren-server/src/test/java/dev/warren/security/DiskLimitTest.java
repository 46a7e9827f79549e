package dev.warren.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.testing.HostState;
import dev.warren.testing.LegacySandboxes;
import dev.warren.testing.TestWarren;
import dev.warren.testing.TestWarren.Resp;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A sandbox's disk is limited by the kernel in bytes and in inodes: filling it is "No space left
 * on device" inside the sandbox and nothing else (another sandbox, the store and the host's free
 * space are untouched), the sandbox works again once files are removed, and the limit holds
 * across stop/start and a killed controller. Nothing of a disk (mount, loop device, image)
 * outlives its sandbox.
 */
class DiskLimitTest {
  private static final long MIB = 1 << 20;
  static TestWarren warren;

  @BeforeAll
  static void start() {
    warren = TestWarren.start();
  }

  @AfterAll
  static void stop() {
    if (warren != null) {
      warren.close();
    }
  }

  private static Path dir(TestWarren w, String id) {
    return w.dataDir().resolve("sandboxes").resolve(id);
  }

  /** Host bytes the file takes (a sparse file takes less than its size), as du counts them. */
  private static long allocated(Path f) {
    try {
      Process p = new ProcessBuilder("du", "--block-size=1", f.toString()).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes()).strip();
      assertThat(p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      return Long.parseLong(out.split("\\s+")[0]);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static long hostFree() {
    try {
      return Files.getFileStore(warren.dataDir()).getUsableSpace();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Set<PosixFilePermission> permissions(Path f) {
    try {
      return Files.getPosixFilePermissions(f);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static JsonNode usage(String id) {
    return warren.get("/v1/sandboxes/" + id).json().path("usage").path("disk");
  }

  private static void assertGone(TestWarren w, String id) {
    assertThat(HostState.leftoversOf(id)).as("left on the host").isEmpty();
    assertThat(HostState.loopDevicesBacking(id)).isEmpty();
    assertThat(dir(w, id)).doesNotExist();
  }

  @Test
  void fillingTheDiskIsNoSpaceInsideTheSandboxAndNothingElse() {
    String id = warren.createSandbox("{\"limits\": {\"diskMb\": 64}}");
    JsonNode limits = warren.get("/v1/sandboxes/" + id).json().path("limits");
    assertThat(limits.path("diskMb").asInt()).isEqualTo(64);
    assertThat(limits.path("diskInodes").asLong()).as("one inode per 16 KiB").isEqualTo(4096);
    Path image = dir(warren, id).resolve("disk.img");
    assertThat(allocated(image)).as("a sparse image takes host space only as it is written").isLessThan(8 * MIB);
    assertThat(PosixFilePermissions.toString(permissions(image))).as("the image is root's alone").isEqualTo("rw-------");
    assertThat(HostState.mountOptions(dir(warren, id).resolve("disk"))).as("ext4 upper").contains("nodev", "nosuid");
    long freeBefore = hostFree();

    // ext4 keeps what a failed fallocate got: /big holds most of the disk, and dd gets the rest
    JsonNode big = warren.exec(id, "fallocate -l 3G /big; echo rc=$?");
    assertThat(big.path("stdout").asString()).isEqualTo("rc=1\n");
    assertThat(big.path("stderr").asString()).contains("No space left on device");
    // dd's complaint goes to memory: the files a command writes its output to are on the full disk too
    JsonNode dd = warren.exec(id, "dd if=/dev/zero of=/workspace/fill bs=1M count=200 2>/dev/shm/dd.err; echo rc=$?");
    assertThat(dd.path("stdout").asString()).isEqualTo("rc=1\n");
    JsonNode full = usage(id);
    assertThat(full.path("freeBytes").asLong()).isLessThan(MIB);
    assertThat(full.path("usedBytes").asLong()).isGreaterThan(56 * MIB);
    assertThat(allocated(image)).isLessThanOrEqualTo(64 * MIB);
    // others write to this host too: the margin is wide, the 3 GiB an unlimited sandbox would have taken wider
    assertThat(freeBefore - hostFree()).as("host space the sandbox took").isLessThan(64 * MIB + 1024 * MIB);

    // the sandbox still answers (its commands, its files), and says why a write fails
    JsonNode why = warren.exec(id, "cat /dev/shm/dd.err; df -k --output=avail / | tail -1");
    assertThat(why.path("stdout").asString()).contains("No space left on device");
    Resp upload = warren.put("/v1/sandboxes/" + id + "/files?path=/workspace/more.bin", new byte[(int) (2 * MIB)]);
    assertThat(upload.status()).as(upload.toString()).isEqualTo(507);
    assertThat(upload.json().path("type").asString()).endsWith("/sandbox-disk-full");
    assertThat(upload.json().path("detail").asString()).contains(id).contains("limits.diskMb 64");
    assertThat(warren.get("/v1/sandboxes/" + id + "/files/list?path=/workspace").text()).doesNotContain("more.bin")
        .doesNotContain(".warren-upload");

    // another sandbox and the store are unaffected
    String other = warren.createSandbox("{\"limits\": {\"diskMb\": 32}}");
    assertThat(warren.exec(other, "echo fine > /workspace/f && cat /workspace/f").path("stdout").asString()).isEqualTo("fine\n");
    assertThat(warren.delete("/v1/sandboxes/" + other).status()).isEqualTo(204);

    // removing files makes room again, and gives the host its space back (the disk discards freed blocks)
    JsonNode again = warren.exec(id, "rm /big /workspace/fill && echo again > /workspace/again && cat /workspace/again");
    assertThat(again.path("stdout").asString()).isEqualTo("again\n");
    JsonNode after = usage(id);
    assertThat(after.path("freeBytes").asLong()).as("%s", after).isGreaterThan(48 * MIB);
    Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(allocated(image)).isLessThan(16 * MIB));
    assertThat(warren.put("/v1/sandboxes/" + id + "/files?path=/workspace/more.bin", new byte[(int) (2 * MIB)]).status()).isEqualTo(204);

    assertThat(warren.delete("/v1/sandboxes/" + id).status()).isEqualTo(204);
    assertGone(warren, id);
  }

  @Test
  void creatingFilesStopsAtTheInodeLimitAndTheSandboxRecovers() {
    String id = warren.createSandbox("{\"limits\": {\"diskMb\": 64, \"diskInodes\": 2048}}");
    JsonNode before = usage(id);
    assertThat(before.path("usedInodes").asLong() + before.path("freeInodes").asLong()).isBetween(2048L, 2200L);

    // 300,000 empty files, until the first one that cannot be made
    JsonNode many = warren.exec(id, "mkdir /many && cd /many && i=0; while [ $i -lt 300000 ] && true 2>/dev/null > f$i; do i=$((i+1)); "
        + "done; echo made=$i; touch one-more");
    long made = Long.parseLong(many.path("stdout").asString().strip().substring("made=".length()));
    assertThat(made).isBetween(1800L, 2048L);
    assertThat(many.path("stderr").asString()).contains("No space left on device");
    // the few left are the agent's, freed when it forgot the command
    assertThat(usage(id).path("freeInodes").asLong()).isLessThan(16);

    JsonNode again = warren.exec(id, "rm -rf /many && touch /workspace/ok && echo ok");
    assertThat(again.path("stdout").asString()).isEqualTo("ok\n");
    assertThat(usage(id).path("freeInodes").asLong()).isGreaterThan(1800);
    assertThat(warren.delete("/v1/sandboxes/" + id).status()).isEqualTo(204);
    assertGone(warren, id);
  }

  @Test
  void stopAndStartKeepTheFilesAndTheLimitAndDeleteLeavesNothing() {
    String id = warren.createSandbox("{\"limits\": {\"diskMb\": 48}}");
    warren.exec(id, "echo kept > /workspace/kept");
    assertThat(HostState.loopDevicesBacking(id)).hasSize(1);

    assertThat(warren.post("/v1/sandboxes/" + id + "/stop", null).json().path("state").asString()).isEqualTo("stopped");
    assertThat(HostState.leftoversOf(id)).as("a stopped sandbox holds no mount or loop device").isEmpty();
    assertThat(dir(warren, id).resolve("disk.img")).exists();
    assertThat(warren.get("/v1/sandboxes/" + id).json().path("usage").isNull()).isTrue();

    assertThat(warren.post("/v1/sandboxes/" + id + "/start", null).json().path("state").asString()).isEqualTo("running");
    JsonNode r = warren.exec(id, "cat /workspace/kept; df -k --output=size / | tail -1; "
        + "dd if=/dev/zero of=/workspace/big bs=1M count=100 2>/dev/null; echo rc=$?");
    List<String> lines = r.path("stdout").asString().lines().toList();
    assertThat(lines.get(0)).isEqualTo("kept");
    assertThat(Long.parseLong(lines.get(1).strip())).as("KiB").isBetween(44L * 1024, 48L * 1024);
    assertThat(lines.get(2)).isEqualTo("rc=1");
    assertThat(warren.get("/v1/sandboxes/" + id).json().path("limits").path("diskMb").asInt()).isEqualTo(48);

    assertThat(warren.post("/v1/sandboxes/" + id + "/restart", null).json().path("state").asString()).isEqualTo("running");
    assertThat(warren.exec(id, "cat /workspace/kept").path("stdout").asString()).isEqualTo("kept\n");
    assertThat(warren.delete("/v1/sandboxes/" + id).status()).isEqualTo(204);
    assertGone(warren, id);
  }

  @Test
  void aKilledControllerAdoptsTheMountedDisk() {
    String id = warren.createSandbox("{\"limits\": {\"diskMb\": 32}}");
    warren.exec(id, "echo before > /workspace/f");
    List<String> device = HostState.loopDevicesBacking(id);
    assertThat(device).hasSize(1);

    warren.kill9AndRestart();

    JsonNode s = warren.get("/v1/sandboxes/" + id).json();
    assertThat(s.path("state").asString()).isEqualTo("running");
    assertThat(HostState.loopDevicesBacking(id)).as("the same device, still mounted").isEqualTo(device);
    assertThat(s.path("usage").path("disk").path("usedBytes").asLong()).isPositive();
    JsonNode r = warren.exec(id, "cat /workspace/f; dd if=/dev/zero of=/workspace/big bs=1M count=64 2>/dev/null; echo rc=$?");
    assertThat(r.path("stdout").asString()).isEqualTo("before\nrc=1\n");
    assertThat(warren.delete("/v1/sandboxes/" + id).status()).isEqualTo(204);
    assertGone(warren, id);
  }

  @Test
  void nonsenseDiskLimitsAre400NamingTheField() {
    Map<String, String> bad = Map.of(
        "{\"limits\": {\"diskMb\": 0}}", "limits.diskMb",
        "{\"limits\": {\"diskMb\": -64}}", "limits.diskMb",
        "{\"limits\": {\"diskMb\": 15}}", "limits.diskMb",
        "{\"limits\": {\"diskMb\": 99999999999}}", "limits.diskMb",
        "{\"limits\": {\"diskMb\": \"64\"}}", "limits.diskMb",
        "{\"limits\": {\"diskMb\": 64.5}}", "limits.diskMb",
        "{\"limits\": {\"diskMb\": 64, \"diskInodes\": 10}}", "limits.diskInodes",
        "{\"limits\": {\"diskMb\": 64, \"diskInodes\": 1000000}}", "limits.diskInodes",
        "{\"limits\": {\"diskInodes\": \"many\"}}", "limits.diskInodes");
    int before = warren.get("/v1/sandboxes").json().path("sandboxes").size();
    bad.forEach((body, field) -> {
      Resp r = warren.post("/v1/sandboxes", body);
      assertThat(r.status()).as("%s: %s", body, r).isEqualTo(400);
      assertThat(r.json().path("field").asString()).as(body).isEqualTo(field);
    });
    assertThat(warren.get("/v1/sandboxes").json().path("sandboxes")).as("nothing was made").hasSize(before);
  }

  @Test
  void aDiskLargerThanTheHostCanHoldIsRefusedNamingTheDataDirectory() {
    // 1 TiB: more than this host's free space
    int before = warren.get("/v1/sandboxes").json().path("sandboxes").size();
    Resp r = warren.post("/v1/sandboxes", "{\"limits\": {\"diskMb\": 1048576}}");
    assertThat(r.status()).as(r.toString()).isEqualTo(503);
    assertThat(r.json().path("detail").asString()).contains("no space left on device in the data directory " + warren.dataDir())
        .contains("limits.diskMb 1048576").contains("WARREN_MIN_FREE_SPACE");
    assertThat(warren.get("/v1/sandboxes").json().path("sandboxes")).hasSize(before);
  }

  @Test
  void aDiskThatWasNotCleanlyUnmountedIsRepairedBeforeItIsUsed() throws Exception {
    String id = warren.createSandbox("{\"limits\": {\"diskMb\": 32}}");
    warren.exec(id, "echo survived > /workspace/f");
    warren.post("/v1/sandboxes/" + id + "/stop", null);
    // what the host going down with the disk mounted leaves: the superblock says "not clean"
    Process debugfs = new ProcessBuilder("debugfs", "-w", "-R", "ssv state 0", dir(warren, id).resolve("disk.img").toString())
        .redirectErrorStream(true).start();
    debugfs.getInputStream().readAllBytes();
    assertThat(debugfs.waitFor()).isZero();
    assertThat(warren.post("/v1/sandboxes/" + id + "/start", null).json().path("state").asString()).isEqualTo("running");
    assertThat(warren.exec(id, "cat /workspace/f").path("stdout").asString()).isEqualTo("survived\n");
    assertThat(warren.log(400)).contains("the disk of " + id + " was not cleanly unmounted");
    assertThat(warren.delete("/v1/sandboxes/" + id).status()).isEqualTo(204);
  }

  @Test
  void aSandboxMadeBeforeDiskLimitsKeepsItsPlainDirectoryAndRuns() throws Exception {
    String id = warren.createSandbox("{}");
    String rootUid = rootUid(id);
    // the layout and the stored spec of a sandbox from before disk limits: upper/ and work/ beside
    // the root filesystem, and no disk in its limits
    LegacySandboxes.withoutADisk(warren, id, Integer.parseInt(rootUid), Map.of("workspace/old.txt", "from before\n"));
    Path d = dir(warren, id);

    JsonNode s = warren.post("/v1/sandboxes/" + id + "/start", null).json();
    assertThat(s.path("state").asString()).isEqualTo("running");
    assertThat(s.path("limits").path("diskMb").isNull()).as("no disk limit: %s", s).isTrue();
    assertThat(warren.exec(id, "cat /workspace/old.txt").path("stdout").asString()).isEqualTo("from before\n");
    assertThat(warren.get("/v1/sandboxes/" + id).json().path("usage").path("disk").isNull()).isTrue();
    assertThat(d.resolve("disk.img")).doesNotExist();
    assertThat(warren.delete("/v1/sandboxes/" + id).status()).isEqualTo(204);
    assertGone(warren, id);
  }

  private static String rootUid(String id) {
    try {
      JsonNode config = JsonMapper.builder().build().readTree(Files.readString(dir(warren, id).resolve("bundle/config.json")));
      return config.path("linux").path("uidMappings").get(0).path("hostID").asString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void reservedDisksTakeTheirWholeSizeOnTheHostWhenMade() {
    try (TestWarren reserved = TestWarren.start(Map.of("WARREN_DISK_ALLOCATION", "reserved"))) {
      String id = reserved.createSandbox("{\"limits\": {\"diskMb\": 64}}");
      assertThat(allocated(dir(reserved, id).resolve("disk.img"))).isGreaterThanOrEqualTo(64 * MIB);
      JsonNode r = reserved.exec(id, "dd if=/dev/zero of=/workspace/big bs=1M count=100 2>/dev/null; echo rc=$?; rm /workspace/big; "
          + "echo ok > /workspace/ok && cat /workspace/ok");
      assertThat(r.path("stdout").asString()).isEqualTo("rc=1\nok\n");
      assertThat(allocated(dir(reserved, id).resolve("disk.img"))).as("still reserved").isGreaterThanOrEqualTo(64 * MIB);
      assertThat(reserved.delete("/v1/sandboxes/" + id).status()).isEqualTo(204);
      assertGone(reserved, id);
    }
  }

  @Test
  void readyDisksAreEmptyAndTeardownDetachesEveryDisk() throws Exception {
    String data;
    try (TestWarren w = TestWarren.start(Map.of("WARREN_DEFAULT_DISK_MB", "64"))) {
      data = w.dataDir().toString();
      String first = w.createSandbox("{}");
      w.exec(first, "echo mine > /workspace/mine");
      // the pool keeps two empty disks of the default size mounted, beside the sandboxes
      Path sandboxes = w.dataDir().resolve("sandboxes");
      Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(HostState.mountsContaining(data + "/sandboxes/.pool-"))
          .hasSize(2));
      try (var ready = Files.list(sandboxes)) {
        for (Path p : ready.filter(d -> d.getFileName().toString().startsWith(".pool-")).toList()) {
          try (var upper = Files.list(p.resolve("disk/upper"))) {
            assertThat(upper.toList()).as("a ready disk holds nothing").isEmpty();
          }
        }
      }
      assertThat(w.get("/v1/sandboxes").json().path("sandboxes")).as("ready disks are not sandboxes").hasSize(1);
      String second = w.createSandbox("{}");
      assertThat(w.exec(second, "ls /workspace; df -k --output=size / | tail -1").path("stdout").asString().strip())
          .as("an empty disk of the default size").satisfies(kib -> assertThat(Long.parseLong(kib)).isBetween(60L * 1024, 64L * 1024));

      // sandboxes left running when the controller dies: teardown (which close() runs) finds every disk
      assertThat(HostState.loopDevicesBacking(data)).hasSizeGreaterThanOrEqualTo(3);
      w.stopProcess(true);
    }
    assertThat(HostState.loopDevicesBacking(data)).isEmpty();
    assertThat(HostState.mountsContaining(data)).isEmpty();
  }
}
