package dev.warren.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.testing.OciArchives;
import dev.warren.testing.TestWarren;
import dev.warren.testing.WarrenFixture;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * User images through the API on real crun: a {@code docker save} tarball made here from the base
 * image's own files plus a layer with a whiteout, an opaque directory, a hard link and owners,
 * imported, run, kept for its sandbox while its tag moves, refused deletion while in use, deleted
 * with its layers after; malicious layers write nothing outside the image; bad names are 400s.
 */
class ImportedImagesTest {
  @org.junit.jupiter.api.extension.RegisterExtension
  static final WarrenFixture fixture = WarrenFixture.plain();
  @TempDir
  static Path work;
  static Path baseLayer;
  static String baseDiffId;

  @BeforeAll
  static void layers() {
    baseLayer = OciArchives.baseLayer(work.resolve("base.tar"));
    baseDiffId = OciArchives.sha256(baseLayer);
  }

  @AfterAll
  static void removeLayers() throws IOException {
    Files.deleteIfExists(baseLayer);
  }

  /** The second layer: /etc/issue whited out, /usr/share/doc opaque (emptied but for kept.txt), a hard link, owners and modes. */
  private static byte[] topLayer(String greeting) {
    return OciArchives.tar(t -> t
        .dir("etc/", 0755)
        .file("etc/.wh.issue", "")
        .dir("usr/", 0755).dir("usr/share/", 0755).dir("usr/share/doc/", 0755)
        .file("usr/share/doc/.wh..wh..opq", "")
        .file("usr/share/doc/kept.txt", "kept\n")
        .dir("data/", 0755)
        .file("data/a.txt", greeting + "\n")
        .hardLink("data/b.txt", "data/a.txt")
        .file("data/owned", "x".getBytes(), 0640, 1234, 1234)
        .file("data/setuid", "#!/bin/sh\n".getBytes(), 04755, 0, 0)
        .symlink("data/link", "a.txt")
        .charDevice("data/null"));
  }

  /** A docker save tarball of the base layer (plain) and {@link #topLayer} (gzip), with GREETING and a working directory. */
  private static Path tarball(String name, String greeting) throws IOException {
    byte[] top = topLayer(greeting);
    Path topFile = work.resolve(name + "-top.tar.gz");
    Files.write(topFile, OciArchives.gzip(top));
    String config = OciArchives.config(List.of("PATH=/usr/local/bin:/usr/bin:/bin", "GREETING=" + greeting), "/data",
        List.of(baseDiffId, OciArchives.sha256(top)));
    Path out = work.resolve(name + ".tar");
    OciArchives.dockerSave(out, config, List.of(baseLayer, topFile));
    return out;
  }

  static TestWarren.Resp importFile(TestWarren w, String name, Path file) throws IOException {
    return w.send("POST", "/v1/images/import?name=" + name, HttpRequest.BodyPublishers.ofFile(file),
        Map.of("Content-Type", "application/x-tar"), w.token());
  }

  private static List<String> entries(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void anImportedImageRunsWithItsLayersAppliedAndOutlivesItsTag() throws Exception {
    TestWarren w = fixture.server();
    Path first = tarball("first", "hello");
    long t0 = System.nanoTime();
    TestWarren.Resp made = importFile(w, "team/tools:1", first);
    long importMs = (System.nanoTime() - t0) / 1_000_000;
    assertThat(made.status()).as("%s", made).isEqualTo(201);
    JsonNode image = made.json();
    String digest = image.path("digest").asString();
    assertThat(image.path("name").asString()).isEqualTo("team/tools:1");
    assertThat(image.path("layers").get(0).asString()).isEqualTo(baseDiffId);
    assertThat(image.path("config").path("env").path("GREETING").asString()).isEqualTo("hello");
    assertThat(image.path("config").path("workingDir").asString()).isEqualTo("/data");
    // the floor: GNU tar unpacking the same layers, in this run
    Path floor = work.resolve("floor");
    Files.createDirectories(floor);
    long f0 = System.nanoTime();
    TestWarren.run("tar", "-x", "-f", baseLayer.toString(), "-C", floor.toString());
    long floorMs = (System.nanoTime() - f0) / 1_000_000;
    TestWarren.run("rm", "-rf", "--one-file-system", floor.toString());
    System.out.printf("import of a %d MB docker save tarball: %d ms (floor, tar -x of its base layer: %d ms)%n", Files.size(first) >> 20,
        importMs, floorMs);
    w.log(200).lines().filter(l -> l.contains("team/tools:1")).forEach(l -> System.out.println("  " + l));

    String id = w.createSandbox("{\"image\": \"team/tools:1\"}");
    JsonNode r = w.exec(id, "test ! -e /etc/issue && echo issue-gone; ls -A /usr/share/doc; stat -c %i /data/a.txt /data/b.txt;"
        + " stat -c '%u:%g %a' /data/owned /data/setuid; cat /data/link; echo \"$GREETING\"; test -e /data/null || echo no-device;"
        + " test -x /usr/bin/bash && echo has-bash");
    assertThat(r.path("exitCode").asInt()).as("%s", r).isZero();
    List<String> lines = r.path("stdout").asString().lines().toList();
    assertThat(lines.get(0)).isEqualTo("issue-gone");
    assertThat(lines.get(1)).isEqualTo("kept.txt");
    assertThat(lines.get(2)).as("a hard link is the same inode").isEqualTo(lines.get(3));
    assertThat(lines.subList(4, 10)).containsExactly("1234:1234 640", "0:0 4755", "hello", "hello", "no-device", "has-bash");

    // listed with the built-in images, naming the sandbox that uses it; deleting it is refused while it does
    JsonNode all = w.get("/v1/images").json().path("images");
    assertThat(names(all)).contains("base", "team/tools:1");
    assertThat(w.get("/v1/images/team/tools:1").json().path("usedBy").get(0).asString()).isEqualTo(id);
    TestWarren.Resp refused = w.delete("/v1/images/team/tools:1");
    assertThat(refused.status()).as("%s", refused).isEqualTo(409);
    assertThat(refused.json().path("detail").asString()).contains(id);

    // the tag moves to another image (the same layers, another config): the sandbox keeps what it was made from, also across a restart
    TestWarren.Resp second = importFile(w, "team/tools:1", tarball("second", "bye"));
    assertThat(second.status()).as("%s", second).isEqualTo(201);
    assertThat(second.json().path("digest").asString()).isNotEqualTo(digest);
    Path store = w.dataDir().resolve("user-images");
    assertThat(entries(store.resolve("layers"))).as("layers are shared between images").hasSize(3);
    assertThat(w.post("/v1/sandboxes/" + id + "/stop", null).status()).isEqualTo(200);
    assertThat(w.post("/v1/sandboxes/" + id + "/start", null).status()).isEqualTo(200);
    assertThat(w.exec(id, "cat /data/a.txt; echo $GREETING").path("stdout").asString()).isEqualTo("hello\nhello\n");
    String fresh = w.createSandbox("{\"image\": \"team/tools:1\"}");
    assertThat(w.exec(fresh, "cat /data/a.txt").path("stdout").asString()).isEqualTo("bye\n");

    // once no sandbox uses them, the images and their layers go
    assertThat(w.delete("/v1/sandboxes/" + id).status()).isEqualTo(204);
    // the first image's files go with the last sandbox made from it (no tag names it any more)
    Path firstRootfs = store.resolve("rootfs/" + digest.substring(7));
    long until = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
    while (Files.exists(firstRootfs) && System.nanoTime() < until) {
      Thread.sleep(50);
    }
    assertThat(firstRootfs).doesNotExist();
    assertThat(entries(store.resolve("layers"))).hasSize(2);
    assertThat(w.delete("/v1/sandboxes/" + fresh).status()).isEqualTo(204);
    assertThat(w.delete("/v1/images/team/tools:1").status()).isEqualTo(204);
    assertThat(w.get("/v1/images/team/tools:1").status()).isEqualTo(404);
    assertThat(entries(store.resolve("rootfs"))).isEmpty();
    assertThat(entries(store.resolve("layers"))).isEmpty();
    assertThat(entries(store.resolve("tmp"))).isEmpty();
    assertThat(Files.getPosixFilePermissions(store)).isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
  }

  @Test
  void maliciousLayersWriteNothingOutsideTheImage() throws Exception {
    TestWarren w = fixture.server();
    Path outside = Files.createTempDirectory(Path.of("/tmp"), "warren-escape-");
    try {
      // '..' in a member: the whole import is refused, nothing left
      byte[] dotdot = OciArchives.tar(t -> t.file("ok", "1").file("../../../escaped", "x"));
      Path bad = work.resolve("dotdot.tar");
      OciArchives.dockerSave(bad, OciArchives.config(List.of(), "", List.of(OciArchives.sha256(dotdot))), List.of(write("dotdot-l.tar", dotdot)));
      TestWarren.Resp refused = importFile(w, "evil:1", bad);
      assertThat(refused.status()).as("%s", refused).isEqualTo(400);
      assertThat(refused.json().path("field").asString()).isEqualTo("body");
      assertThat(refused.json().path("detail").asString()).contains("../../../escaped");
      assertThat(w.get("/v1/images/evil:1").status()).isEqualTo(404);
      assertThat(entries(w.dataDir().resolve("user-images/tmp"))).isEmpty();

      // links to the host's directories, then writes through them: they land inside the image
      String rel = "../".repeat(12) + outside.toString().substring(1);
      byte[] links = OciArchives.tar(t -> t
          .symlink("abs", outside.toString()).file("abs/pwned", "1")
          .symlink("up", rel).file("up/pwned2", "2")
          .dir("d/", 0755).symlink("d/loop", "../d/loop2").symlink("d/loop2", "loop")
          .file("target", "t").symlink("abs-file", outside.resolve("f").toString()).file("abs-file", "replaced, not followed")
          .hardLink("hl", "/target"));
      Path tricks = work.resolve("tricks.tar");
      OciArchives.dockerSave(tricks, OciArchives.config(List.of(), "", List.of(OciArchives.sha256(links))), List.of(write("tricks-l.tar", links)));
      TestWarren.Resp made = importFile(w, "evil:2", tricks);
      assertThat(made.status()).as("%s", made).isEqualTo(201);
      assertThat(entries(outside)).as("nothing written outside").isEmpty();
      Path rootfs = w.dataDir().resolve("user-images/rootfs/" + made.json().path("digest").asString().substring(7));
      assertThat(rootfs.resolve(outside.toString().substring(1)).resolve("pwned")).hasContent("1");
      assertThat(rootfs.resolve(outside.toString().substring(1)).resolve("pwned2")).hasContent("2");
      assertThat(Files.isSymbolicLink(rootfs.resolve("abs-file"))).isFalse();
      assertThat(Files.getAttribute(rootfs.resolve("hl"), "unix:ino")).isEqualTo(Files.getAttribute(rootfs.resolve("target"), "unix:ino"));

      // a hard link to a file the image does not have
      byte[] hard = OciArchives.tar(t -> t.hardLink("shadow", "/etc/shadow"));
      Path hl = work.resolve("hl.tar");
      OciArchives.dockerSave(hl, OciArchives.config(List.of(), "", List.of(OciArchives.sha256(hard))), List.of(write("hl-l.tar", hard)));
      assertThat(importFile(w, "evil:3", hl).status()).isEqualTo(400);
      assertThat(w.delete("/v1/images/evil:2").status()).isEqualTo(204);
    } finally {
      TestWarren.run("rm", "-rf", "--one-file-system", outside.toString());
    }
  }

  @Test
  void anImageWithoutBashRunsExecAndSaysSessionsNeedBash() throws Exception {
    TestWarren w = fixture.server();
    byte[] top = OciArchives.tar(t -> t.dir("usr/", 0755).dir("usr/bin/", 0755).file("usr/bin/.wh.bash", ""));
    String config = OciArchives.config(List.of(), "", List.of(baseDiffId, OciArchives.sha256(top)));
    Path archive = work.resolve("nobash.tar");
    OciArchives.dockerSave(archive, config, List.of(baseLayer, write("nobash-l.tar", top)));
    assertThat(importFile(w, "nobash", archive).status()).isEqualTo(201);
    String id = w.createSandbox("{\"image\": \"nobash\"}");
    JsonNode r = w.exec(id, "test -e /usr/bin/bash || echo no-bash");
    assertThat(r.path("stdout").asString()).as("%s", r).isEqualTo("no-bash\n");
    TestWarren.Resp session = w.post("/v1/sandboxes/" + id + "/sessions", "{}");
    assertThat(session.status()).as("%s", session).isEqualTo(409);
    assertThat(session.json().path("detail").asString()).contains("/bin/bash", "exec");
    assertThat(w.get("/v1/images/nobash:latest").json().path("usedBy").get(0).asString()).isEqualTo(id);

    // a snapshot of the sandbox holds the image too, after its sandbox is gone
    w.exec(id, "echo kept > /root/mark");
    TestWarren.Resp snap = w.post("/v1/sandboxes/" + id + "/snapshots", "{\"name\": \"nobash-snap\"}");
    assertThat(snap.status()).as("%s", snap).isEqualTo(201);
    String snapId = snap.json().path("id").asString();
    assertThat(snap.json().path("image").asString()).isEqualTo("nobash");
    assertThat(w.delete("/v1/sandboxes/" + id).status()).isEqualTo(204);
    TestWarren.Resp held = w.delete("/v1/images/nobash");
    assertThat(held.status()).as("%s", held).isEqualTo(409);
    assertThat(held.json().path("detail").asString()).contains(snapId);
    TestWarren.Resp clone = w.post("/v1/sandboxes", "{\"snapshot\": \"nobash-snap\"}");
    assertThat(clone.status()).as("%s", clone).isEqualTo(201);
    String cloneId = clone.json().path("id").asString();
    assertThat(w.exec(cloneId, "cat /root/mark; test -e /usr/bin/bash || echo no-bash").path("stdout").asString()).isEqualTo("kept\nno-bash\n");
    assertThat(w.delete("/v1/sandboxes/" + cloneId).status()).isEqualTo(204);
    assertThat(w.delete("/v1/snapshots/nobash-snap").status()).isEqualTo(204);
    assertThat(w.delete("/v1/images/nobash").status()).isEqualTo(204);
  }

  @Test
  void theSdkAndTheCliImportListAndDelete() throws Exception {
    TestWarren w = fixture.server();
    byte[] layer = OciArchives.tar(t -> t.file("hello", "1"));
    Path small = work.resolve("small.tar");
    OciArchives.dockerSave(small, OciArchives.config(List.of("A=b"), "/", List.of(OciArchives.sha256(layer))), List.of(write("small-l.tar", layer)));
    try (dev.warren.client.Warren sdk = w.sdk()) {
      dev.warren.client.ImageInfo i = sdk.images().importImage(small, "sdk/small:2");
      assertThat(i.name()).isEqualTo("sdk/small:2");
      assertThat(i.env()).containsEntry("A", "b");
      assertThat(i.layers()).containsExactly(OciArchives.sha256(layer));
      assertThat(sdk.images().list()).extracting(dev.warren.client.ImageInfo::name).contains("base", "sdk/small:2");
      assertThat(sdk.images().get("sdk/small:2")).map(dev.warren.client.ImageInfo::digest).contains(i.digest());
      assertThat(sdk.images().delete("sdk/small:2")).isTrue();
      assertThat(sdk.images().delete("sdk/small:2")).isFalse();
      assertThat(sdk.images().get("sdk/small:2")).isEmpty();
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> sdk.images().importImage(small, "BAD"))
          .isInstanceOf(IllegalArgumentException.class);
    }
    Map<String, String> env = w.env();
    dev.warren.testing.WarrenCli.Result imported = dev.warren.testing.WarrenCli.run(env, "image", "import", small.toString(), "cli:1");
    assertThat(imported.code()).as("%s", imported).isZero();
    assertThat(imported.output()).contains("cli:1", "sha256:");
    assertThat(w.get("/v1/images/cli:1").status()).isEqualTo(200);
    // exported as an OCI layout (and docker save manifest), it imports again as the same image
    Path exported = work.resolve("exported.tar");
    dev.warren.testing.WarrenCli.Result export = dev.warren.testing.WarrenCli.run(env, "image", "export", "cli:1", exported.toString());
    assertThat(export.code()).as("%s", export).isZero();
    assertThat(TestWarren.run("tar", "-tf", exported.toString())).contains("oci-layout", "index.json", "manifest.json",
        "blobs/sha256/" + OciArchives.sha256(layer).substring(7));
    TestWarren.Resp again = importFile(w, "cli:again", exported);
    assertThat(again.status()).as("%s", again).isEqualTo(201);
    assertThat(again.json().path("digest").asString()).isEqualTo(w.get("/v1/images/cli:1").json().path("digest").asString());
    assertThat(again.json().path("layers").get(0).asString()).isEqualTo(OciArchives.sha256(layer));
    assertThat(w.delete("/v1/images/cli:again").status()).isEqualTo(204);
    assertThat(w.post("/v1/images/export", "{\"name\": \"nosuch:1\"}").status()).isEqualTo(404);
    dev.warren.testing.WarrenCli.Result deleted = dev.warren.testing.WarrenCli.run(env, "image", "rm", "cli:1");
    assertThat(deleted.code()).as("%s", deleted).isZero();
    assertThat(w.get("/v1/images/cli:1").status()).isEqualTo(404);
  }

  private static List<String> names(JsonNode images) {
    List<String> out = new java.util.ArrayList<>();
    images.forEach(i -> out.add(i.path("name").asString()));
    return out;
  }

  private static Path write(String name, byte[] b) throws IOException {
    return Files.write(work.resolve(name), b);
  }

  @Test
  void badNamesAndArchivesAreRefusedNamingTheField() throws Exception {
    TestWarren w = fixture.server();
    byte[] layer = OciArchives.tar(t -> t.file("f", "1"));
    Path ok = work.resolve("ok.tar");
    OciArchives.dockerSave(ok, OciArchives.config(List.of(), "", List.of(OciArchives.sha256(layer))), List.of(write("ok-l.tar", layer)));
    for (String name : List.of("", "UPPER", "a/../b", "x:", "x:-bad", "a".repeat(60) + ":tag1", "sp%20ace", "-lead", "a//b")) {
      TestWarren.Resp r = importFile(w, name, ok);
      assertThat(r.status()).as("name '%s': %s", name, r).isEqualTo(400);
      assertThat(r.json().path("field").asString()).as("name '%s'", name).isEqualTo("name");
    }
    TestWarren.Resp noName = w.send("POST", "/v1/images/import", HttpRequest.BodyPublishers.ofFile(ok), Map.of(), w.token());
    assertThat(noName.json().path("field").asString()).isEqualTo("name");
    TestWarren.Resp notTar = w.send("POST", "/v1/images/import?name=junk", HttpRequest.BodyPublishers.ofString("not a tar at all"), Map.of(), w.token());
    assertThat(notTar.status()).as("%s", notTar).isEqualTo(400);
    assertThat(notTar.json().path("field").asString()).isEqualTo("body");
    byte[] junk = new byte[4096];
    new java.util.Random(7).nextBytes(junk);
    TestWarren.Resp noise = w.send("POST", "/v1/images/import?name=junk", HttpRequest.BodyPublishers.ofByteArray(junk), Map.of(), w.token());
    assertThat(noise.status()).as("%s", noise).isEqualTo(400);
    assertThat(noise.json().path("detail").asString()).contains("not a tar");
    // a layer that is not what the config says
    Path lying = work.resolve("lying.tar");
    OciArchives.dockerSave(lying, OciArchives.config(List.of(), "", List.of(OciArchives.sha256(new byte[1]))), List.of(write("l-l.tar", layer)));
    TestWarren.Resp mismatch = importFile(w, "lying", lying);
    assertThat(mismatch.status()).isEqualTo(400);
    assertThat(mismatch.json().path("detail").asString()).contains("config says");
    TestWarren.Resp sandbox = w.post("/v1/sandboxes", "{\"image\": \"nosuch:1\"}");
    assertThat(sandbox.status()).as("%s", sandbox).isEqualTo(400);
    assertThat(sandbox.json().path("field").asString()).isEqualTo("image");
    assertThat(w.post("/v1/sandboxes", "{\"image\": \"Bad!\"}").json().path("field").asString()).isEqualTo("image");
    assertThat(w.delete("/v1/images/base").status()).isEqualTo(400);
    // pulls reach no registry on this host's loopback or private networks unless WARREN_REGISTRY_INSECURE lists it
    TestWarren.Resp local = w.post("/v1/images/pull", "{\"reference\": \"127.0.0.1:5000/team/app:1\"}");
    assertThat(local.status()).as("%s", local).isEqualTo(400);
    assertThat(local.json().path("field").asString()).isEqualTo("reference");
    assertThat(local.json().path("detail").asString()).contains("WARREN_REGISTRY_INSECURE");
    assertThat(w.post("/v1/images/pull", "{\"reference\": \"Not A Ref\"}").json().path("field").asString()).isEqualTo("reference");
    assertThat(w.delete("/v1/images/nosuch:1").status()).isEqualTo(404);
    assertThat(names(w.get("/v1/images").json().path("images"))).doesNotContain("lying:latest", "junk:latest");
  }
}
