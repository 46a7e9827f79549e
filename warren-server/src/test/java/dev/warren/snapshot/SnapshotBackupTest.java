package dev.warren.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.testing.TestWarren;
import dev.warren.testing.WarrenCli;
import dev.warren.testing.WarrenFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Snapshot layers kept as images in backups: {@code warren backup} holds them, a restore into
 * another data directory brings them back (sparse, root's alone) and sandboxes start from the
 * restored snapshot with the files and owners the source had; {@code warren teardown} unmounts the
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
}
