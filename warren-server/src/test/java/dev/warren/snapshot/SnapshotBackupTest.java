package dev.warren.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.testing.LegacySandboxes;
import dev.warren.testing.TestWarren;
import dev.warren.testing.WarrenCli;
import dev.warren.testing.WarrenFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Snapshot layers in backups, kept as images and as trees: {@code warren backup} holds them, a
 * restore into another data directory brings them back (images sparse, both root's alone) and
 * sandboxes start from the restored snapshot with the files and owners the source had; a restore
 * of a backup without a layer its store names says so; {@code warren teardown} unmounts the
 * layers' host mounts.
 */
class SnapshotBackupTest {
  @RegisterExtension
  static final WarrenFixture fixture = WarrenFixture.plain();

  @Test
  void aBackupHoldsTheSnapshotLayersAndARestoreBringsThemBack() throws Exception {
    TestWarren w = fixture.server();
    String source = w.createSandbox("{}");
    String write = "mkdir -p /workspace/s && echo kept > /workspace/s/f && chown 1000:2000 /workspace/s/f && rm /etc/issue";
    assertThat(w.exec(source, write).path("exitCode").asInt()).isZero();
    String id = w.post("/v1/sandboxes/" + source + "/snapshots", "{\"name\": \"saved\"}").json().path("id").asString();
    String check = "cat /workspace/s/f; stat -c '%u %g' /workspace/s/f; test -e /etc/issue || echo issue-gone";
    String expected = "kept\n1000 2000\nissue-gone\n";
    Path tmp = Files.createTempDirectory("warren-layer-backup");
    Path backup = tmp.resolve("backup.zip");
    try {
      WarrenCli.Result r = WarrenCli.run(w.env(), "backup", backup.toString());
      assertThat(r.code()).as("%s", r).isZero();
      try (ZipFile z = new ZipFile(backup.toFile())) {
        assertThat(z.stream().map(ZipEntry::getName).toList()).contains("files/layers/" + id + ".img.sparse", "store/snapshots.jsonl");
      }
      w.delete("/v1/sandboxes/" + source);
      assertThat(w.delete("/v1/snapshots/saved").status()).isEqualTo(204);

      Path fresh = TestWarren.newDataDir();
      Map<String, String> env = new HashMap<>(Map.of("WARREN_DATA", fresh.toString(), "WARREN_IMAGES", TestWarren.IMAGES.toString()));
      WarrenCli.Result restored = WarrenCli.run(env, "restore", backup.toString());
      assertThat(restored.code()).as("%s", restored).isZero();
      Path layers = fresh.resolve("layers");
      Path image = layers.resolve(id + ".img");
      assertThat(Files.getPosixFilePermissions(layers)).hasToString("[OWNER_READ, OWNER_WRITE, OWNER_EXECUTE]");
      assertThat(Files.getPosixFilePermissions(image)).hasToString("[OWNER_READ, OWNER_WRITE]");
      String du = TestWarren.run("du", "-B1", image.toString()).split("\\s+")[0];
      assertThat(Long.parseLong(du)).as("restored sparse").isLessThan(Files.size(image) / 2);
      try (TestWarren b = TestWarren.startOn(fresh, Map.of())) {
        String from = b.createSandbox("{\"snapshot\": \"saved\"}");
        assertThat(b.exec(from, check).path("stdout").asString()).isEqualTo(expected);
        assertThat(SnapshotTest.mountsUnder(layers)).containsExactly(layers.resolve(id + ".mnt").toString());
        // closing deletes the sandbox and tears the instance down with the snapshot still there
      }
      assertThat(SnapshotTest.mountsUnder(layers)).as("layer mounts after teardown").isEmpty();
      assertThat(dev.warren.host.LoopDevices.backingFiles().values()).noneMatch(f -> f.startsWith(layers + "/"));
    } finally {
      new ProcessBuilder("rm", "-rf", tmp.toString()).start().waitFor();
    }
  }

  @Test
  void aSnapshotLayerKeptAsATreeSurvivesABackupAndARestore() throws Exception {
    TestWarren w = fixture.server();
    // a sandbox made before disk limits has no disk of its own: its snapshots' layers are trees named by their digest
    String source = sandboxWithoutADisk(w);
    String write = "mkdir -p /workspace/t && echo tree > /workspace/t/f && chown 1000:2000 /workspace/t/f && chmod 640 /workspace/t/f"
        + " && rm /etc/issue && rm -rf /etc/apt && mkdir /etc/apt && echo new > /etc/apt/only"
        + " && python3 -c \"import os; os.setxattr('/workspace/t/f', 'user.note', b'kept')\"";
    assertThat(w.exec(source, write).path("exitCode").asInt()).isZero();
    JsonNode snap = w.post("/v1/sandboxes/" + source + "/snapshots", "{\"name\": \"tree-kept\"}").json();
    String layer = snap.path("layer").asString();
    assertThat(layer).as("%s", snap).matches("sha256:[0-9a-f]{64}");
    String digest = layer.substring("sha256:".length());
    assertThat(w.dataDir().resolve("layers").resolve(digest)).isDirectory();
    String check = "cat /workspace/t/f; stat -c '%a %u %g' /workspace/t/f; ls -A /etc/apt; test -e /etc/issue || echo issue-gone;"
        + " python3 -c \"import os; print(os.getxattr('/workspace/t/f', 'user.note'))\"";
    String expected = "tree\n640 1000 2000\nonly\nissue-gone\nb'kept'\n";
    Path tmp = Files.createTempDirectory("warren-tree-backup");
    Path backup = tmp.resolve("backup.zip");
    try {
      WarrenCli.Result r = WarrenCli.run(w.env(), "backup", backup.toString());
      assertThat(r.code()).as("%s", r).isZero();
      assertThat(r.output()).doesNotContain("changed on disk after it was made");
      try (ZipFile z = new ZipFile(backup.toFile())) {
        assertThat(z.stream().map(ZipEntry::getName).toList()).contains("files/layers/" + digest + ".tar");
      }
      assertThat(w.delete("/v1/sandboxes/" + source).status()).isEqualTo(204);
      assertThat(w.delete("/v1/snapshots/tree-kept").status()).isEqualTo(204);

      Path fresh = TestWarren.newDataDir();
      WarrenCli.Result restored = WarrenCli.run(dataEnv(fresh), "restore", backup.toString());
      assertThat(restored.code()).as("%s", restored).isZero();
      assertThat(restored.output()).doesNotContain("holds no copy");
      Path layers = fresh.resolve("layers");
      assertThat(Files.getPosixFilePermissions(layers)).hasToString("[OWNER_READ, OWNER_WRITE, OWNER_EXECUTE]");
      assertThat(layers.resolve(digest)).isDirectory();
      assertThat(SnapshotTest.entries(layers)).containsExactly(digest);
      try (TestWarren b = TestWarren.startOn(fresh, Map.of())) {
        String from = b.createSandbox("{\"snapshot\": \"tree-kept\"}");
        assertThat(b.exec(from, check).path("stdout").asString()).isEqualTo(expected);
      }

      // a backup without the layer (as one made before trees were backed up) restores, and says which layer it lacks
      Path withoutTree = tmp.resolve("without-tree.zip");
      try (ZipFile z = new ZipFile(backup.toFile()); ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(withoutTree))) {
        for (ZipEntry e : java.util.Collections.list(z.entries())) {
          if (!e.getName().endsWith(".tar")) {
            out.putNextEntry(new ZipEntry(e.getName()));
            z.getInputStream(e).transferTo(out);
            out.closeEntry();
          }
        }
      }
      Path other = TestWarren.newDataDir();
      WarrenCli.Result lacking = WarrenCli.run(dataEnv(other), "restore", withoutTree.toString());
      assertThat(lacking.code()).as("%s", lacking).isZero();
      assertThat(lacking.output()).contains("warning: the backup holds no copy of the snapshot layers [" + digest + "]");
      new ProcessBuilder("rm", "-rf", other.toString()).start().waitFor();
    } finally {
      new ProcessBuilder("rm", "-rf", tmp.toString()).start().waitFor();
    }
  }

  private static Map<String, String> dataEnv(Path dataDir) {
    return new HashMap<>(Map.of("WARREN_DATA", dataDir.toString(), "WARREN_IMAGES", TestWarren.IMAGES.toString()));
  }

  /**
   * A running sandbox laid out and stored as one made before disk limits (as DiskLimitTest makes
   * it): upper/ and work/ beside its root filesystem, no disk in its limits.
   */
  static String sandboxWithoutADisk(TestWarren w) throws Exception {
    String id = w.createSandbox("{}");
    JsonNode config = JsonMapper.builder().build().readTree(Files.readString(w.dataDir().resolve("sandboxes").resolve(id)
        .resolve("bundle/config.json")));
    int rootUid = Integer.parseInt(config.path("linux").path("uidMappings").get(0).path("hostID").asString());
    LegacySandboxes.withoutADisk(w, id, rootUid, Map.of());
    JsonNode started = w.post("/v1/sandboxes/" + id + "/start", null).json();
    assertThat(started.path("state").asString()).isEqualTo("running");
    assertThat(started.path("limits").path("diskMb").isNull()).as("no disk: %s", started).isTrue();
    return id;
  }
}
