package dev.warren.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.testing.OciArchives;
import dev.warren.testing.TestRegistry;
import dev.warren.testing.TestWarren;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The pull path against an OCI distribution registry served on loopback by the test (a bearer
 * challenge, an index over two platforms, blobs redirected elsewhere) reached as the configured
 * mirror; and a controller killed with SIGKILL in the middle of an import leaves no half image.
 */
class ImageRegistryTest {
  @TempDir
  static Path work;
  static TestRegistry registry;
  static TestWarren warren;
  static byte[] baseLayer;

  @BeforeAll
  static void start() throws IOException {
    registry = TestRegistry.start();
    baseLayer = Files.readAllBytes(OciArchives.baseLayer(work.resolve("base.tar")));
    warren = TestWarren.start(Map.of("WARREN_REGISTRY_MIRROR", "http://" + registry.hostPort()));
  }

  @AfterAll
  static void stop() {
    try {
      if (warren != null) {
        warren.close();
      }
    } finally {
      registry.close();
    }
  }

  @Test
  void aPulledImageRuns() {
    registry.put("team/app", "3.12", OciArchives.ociImage(baseLayer,
        OciArchives.config(List.of("PATH=/usr/bin:/bin", "FROM_REGISTRY=yes"), "/", List.of(OciArchives.sha256(baseLayer)))));
    TestWarren.Resp pulled = warren.post("/v1/images/pull", "{\"reference\": \"docker.io/team/app:3.12\", \"name\": \"app:3.12\"}");
    assertThat(pulled.status()).as("%s", pulled).isEqualTo(201);
    assertThat(pulled.json().path("source").asString()).isEqualTo("registry-1.docker.io/team/app:3.12");
    assertThat(registry.tokensIssued.get()).as("the bearer challenge was answered").isPositive();
    String id = warren.createSandbox("{\"image\": \"app:3.12\"}");
    JsonNode r = warren.exec(id, "echo $FROM_REGISTRY; test -x /usr/bin/bash && echo ok");
    assertThat(r.path("stdout").asString()).isEqualTo("yes\nok\n");
    assertThat(warren.delete("/v1/sandboxes/" + id).status()).isEqualTo(204);
    assertThat(warren.delete("/v1/images/app:3.12").status()).isEqualTo(204);

    TestWarren.Resp missing = warren.post("/v1/images/pull", "{\"reference\": \"team/nothing:1\"}");
    assertThat(missing.status()).as("%s", missing).isEqualTo(404);
  }

  @Test
  void aPrivateImageIsPulledWithTheCallersCredentialsWhichGoNowhereElse() throws Exception {
    String secret = "pw-" + java.util.UUID.randomUUID();
    registry.put("team/private", "1", OciArchives.ociImage(baseLayer,
        OciArchives.config(List.of("PATH=/usr/bin:/bin", "PRIVATE=yes"), "/", List.of(OciArchives.sha256(baseLayer)))));
    registry.requireCredentials("alice", secret, false);
    try {
      // no credentials: 403 saying what to give
      TestWarren.Resp anonymous = warren.post("/v1/images/pull", "{\"reference\": \"team/private:1\"}");
      assertThat(anonymous.status()).as("%s", anonymous).isEqualTo(403);
      assertThat(anonymous.json().path("detail").asString()).contains("wants credentials").contains("credentials.username")
          .contains("WARREN_REGISTRY_AUTH");
      // wrong ones: 403 saying they were refused
      TestWarren.Resp wrong = warren.post("/v1/images/pull",
          "{\"reference\": \"team/private:1\", \"credentials\": {\"username\": \"alice\", \"password\": \"guess\"}}");
      assertThat(wrong.status()).as("%s", wrong).isEqualTo(403);
      assertThat(wrong.json().path("detail").asString()).contains("refused the credentials");
      // half of them, or not an object: 400 naming the field
      TestWarren.Resp half = warren.post("/v1/images/pull", "{\"reference\": \"team/private:1\", \"credentials\": {\"username\": \"alice\"}}");
      assertThat(half.status()).isEqualTo(400);
      assertThat(half.json().path("field").asString()).isEqualTo("credentials.password");
      TestWarren.Resp flat = warren.post("/v1/images/pull", "{\"reference\": \"team/private:1\", \"credentials\": \"alice:" + secret + "\"}");
      assertThat(flat.status()).isEqualTo(400);
      assertThat(flat.json().path("field").asString()).isEqualTo("credentials");

      // the right ones, through the Java SDK: pulled through the token service, blobs fetched from the redirect without them
      int tokens = registry.tokensIssued.get();
      dev.warren.client.ImageInfo pulled;
      try (dev.warren.client.Warren sdk = warren.sdk()) {
        pulled = sdk.images().pull("team/private:1", java.util.Optional.of("private:1"), new dev.warren.client.RegistryCredentials("alice", secret));
      }
      assertThat(pulled.name()).isEqualTo("private:1");
      assertThat(registry.tokensIssued.get()).as("a token was fetched with the credentials").isGreaterThan(tokens);
      assertThat(registry.cdnWithAuthorization.get()).as("no credentials or token followed a blob's redirect").isZero();
      String id = warren.createSandbox("{\"image\": \"private:1\"}");
      assertThat(warren.exec(id, "echo $PRIVATE").path("stdout").asString()).isEqualTo("yes\n");
      assertThat(warren.delete("/v1/sandboxes/" + id).status()).isEqualTo(204);

      // kept nowhere: not in the image, the store, the events or the log
      for (String path : List.of("/v1/images/private:1", "/v1/events?limit=1000", "/v1/audit?limit=1000")) {
        TestWarren.Resp r = warren.get(path);
        assertThat(r.status()).as("%s: %s", path, r).isEqualTo(200);
        assertThat(r.body()).as(path).asString().doesNotContain(secret);
      }
      assertThat(warren.get("/v1/audit?limit=1000").body()).as("the audit names the pulls").asString().contains("/v1/images/pull");
      assertThat(Files.readString(warren.logFile())).doesNotContain(secret);
      try (Stream<Path> files = Files.walk(warren.dataDir())) {
        // the store, settings, logs and image metadata (not the images' files, nor sandboxes' disk images)
        for (Path f : files.filter(Files::isRegularFile).filter(f -> !f.toString().contains("/rootfs/") && !f.toString().endsWith(".tar"))
            .filter(f -> f.toFile().length() < 64 << 20).toList()) {
          assertThat(Files.readAllBytes(f)).as("%s", f).asString(java.nio.charset.StandardCharsets.ISO_8859_1).doesNotContain(secret);
        }
      }
      assertThat(warren.delete("/v1/images/private:1").status()).isEqualTo(204);

      // a registry that challenges with Basic gets them on every request; the Python SDK gives them too
      registry.requireCredentials("alice", secret, true);
      dev.warren.client.WarrenClientsTest.run(warren, dev.warren.client.WarrenClientsTest.CLIENTS.resolve("python"), List.of("python3", "-c", """
          import os
          from warren import Warren
          from warren.errors import UnauthorizedError
          with Warren(os.environ["WARREN_URL"], os.environ["WARREN_TOKEN"]) as w:
              try:
                  w.images.pull("team/private:1", "basic:1", username="alice", password="guess")
                  raise AssertionError("wrong credentials were taken")
              except UnauthorizedError as e:
                  assert "refused the credentials" in str(e), e
              i = w.images.pull("team/private:1", "basic:1", username="alice", password=os.environ["SECRET"])
              assert i["name"] == "basic:1", i
              assert w.images.delete("basic:1")
          """.replace("os.environ[\"SECRET\"]", "\"" + secret + "\"")));
      assertThat(registry.cdnWithAuthorization.get()).isZero();
    } finally {
      registry.requireCredentials(null, null, false);
    }
  }

  @Test
  void registryCredentialsFromTheOperatorsFileAreCheckedAtStartAndUsed() throws Exception {
    String secret = "op-" + java.util.UUID.randomUUID();
    Path auth = work.resolve("auth.json");
    String b64 = java.util.Base64.getEncoder().encodeToString(("ops:" + secret).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    Files.writeString(auth, "{\"auths\": {\"http://" + registry.hostPort() + "/v2/\": {\"auth\": \"" + b64 + "\"}}}");
    // readable by other host users: the start stops, saying how to fix it
    Files.setPosixFilePermissions(auth, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    assertThatConfig(Map.of("WARREN_REGISTRY_AUTH", auth.toString()), "WARREN_REGISTRY_AUTH", "other host users may read it", "chmod 600");
    Files.setPosixFilePermissions(auth, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    dev.warren.config.Config c = dev.warren.config.Config.from(Map.of("WARREN_REGISTRY_AUTH", auth.toString()));
    assertThat(c.registries().credentialsFor(registry.hostPort())).map(dev.warren.config.RegistrySettings.Credentials::username).contains("ops");
    assertThat(c.registries().toString()).doesNotContain(secret);
    Path bad = Files.writeString(work.resolve("bad.json"), "{\"auths\": {\"r.example\": {\"auth\": \"bm9jb2xvbg==\"}}}");
    Files.setPosixFilePermissions(bad, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    assertThatConfig(Map.of("WARREN_REGISTRY_AUTH", bad.toString()), "auths.r.example.auth is not the base64 of user:password");
    assertThatConfig(Map.of("WARREN_REGISTRY_AUTH", "auth.json"), "absolute path");
    assertThatConfig(Map.of("WARREN_REGISTRY_AUTH", work.resolve("none.json").toString()), "not a regular file");

    registry.requireCredentials("ops", secret, false);
    try (TestWarren operated = TestWarren.start(Map.of("WARREN_REGISTRY_MIRROR", "http://" + registry.hostPort(),
        "WARREN_REGISTRY_AUTH", auth.toString()))) {
      registry.put("team/ops", "1", OciArchives.ociImage(baseLayer,
          OciArchives.config(List.of("PATH=/usr/bin:/bin"), "/", List.of(OciArchives.sha256(baseLayer)))));
      TestWarren.Resp pulled = operated.post("/v1/images/pull", "{\"reference\": \"team/ops:1\"}");
      assertThat(pulled.status()).as("%s", pulled).isEqualTo(201);
      assertThat(Files.readString(operated.logFile())).doesNotContain(secret);
      assertThat(operated.delete("/v1/images/team/ops:1").status()).isEqualTo(204);
    } finally {
      registry.requireCredentials(null, null, false);
    }
  }

  private static void assertThatConfig(Map<String, String> env, String... says) {
    org.assertj.core.api.AbstractThrowableAssert<?, ? extends Throwable> t =
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> dev.warren.config.Config.from(env)).isInstanceOf(dev.warren.config.ConfigException.class);
    for (String s : says) {
      t.hasMessageContaining(s);
    }
  }

  /** Sends the first {@code sent} bytes of the file, then holds the request open until released. */
  private static HttpRequest.BodyPublisher stalling(Path file, long sent, CountDownLatch release) {
    return HttpRequest.BodyPublishers.fromPublisher(subscriber -> {
      Thread.ofVirtual().start(() -> {
        CountDownLatch ready = new CountDownLatch(1);
        subscriber.onSubscribe(new Flow.Subscription() {
          @Override
          public void request(long n) {
            ready.countDown();
          }

          @Override
          public void cancel() {
            release.countDown();
          }
        });
        try (InputStream in = Files.newInputStream(file)) {
          ready.await();
          long left = sent;
          byte[] buf = new byte[1 << 16];
          while (left > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, left));
            subscriber.onNext(ByteBuffer.wrap(buf.clone(), 0, n));
            left -= n;
          }
          release.await(2, TimeUnit.MINUTES);
          subscriber.onError(new IOException("held back by the test"));
        } catch (IOException | InterruptedException e) {
          subscriber.onError(e);
        }
      });
    });
  }

  @Test
  void aControllerKilledDuringAnImportLeavesNoHalfImage() throws Exception {
    byte[] top = OciArchives.tar(t -> t.file("hello", "1"));
    Path archive = work.resolve("kill.tar");
    Path baseFile = Files.write(work.resolve("base-copy.tar"), baseLayer);
    Path topFile = Files.write(work.resolve("top.tar"), top);
    OciArchives.dockerSave(archive, OciArchives.config(List.of(), "", List.of(OciArchives.sha256(baseLayer), OciArchives.sha256(top))),
        List.of(baseFile, topFile));
    Path store = warren.dataDir().resolve("user-images");
    CountDownLatch release = new CountDownLatch(1);
    CompletableFuture<Void> call = CompletableFuture.runAsync(() -> {
      try {
        warren.send("POST", "/v1/images/import?name=half:1", stalling(archive, Files.size(archive) / 2, release),
            Map.of("Content-Type", "application/x-tar"), warren.token());
      } catch (RuntimeException e) {
        // the controller died under it
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }, r -> Thread.ofVirtual().start(r));
    long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
    while (du(store.resolve("tmp")) < Files.size(archive) / 4) {
      assertThat(System.nanoTime()).as("the import writes its archive to disk").isLessThan(deadline);
      Thread.sleep(50);
    }
    // what a controller killed after moving files into place but before writing the tag would leave
    Files.createDirectories(store.resolve("rootfs/" + "ab".repeat(32) + "/etc"));
    Files.writeString(store.resolve("layers/" + "cd".repeat(32) + ".tar"), "orphan");
    warren.kill9AndRestart();
    release.countDown();
    call.get(1, TimeUnit.MINUTES);
    assertThat(entries(store.resolve("tmp"))).isEmpty();
    assertThat(entries(store.resolve("rootfs"))).isEmpty();
    assertThat(entries(store.resolve("layers"))).isEmpty();
    assertThat(warren.get("/v1/images/half:1").status()).isEqualTo(404);
    // and an import after the restart works
    TestWarren.Resp again = warren.send("POST", "/v1/images/import?name=half:1", HttpRequest.BodyPublishers.ofFile(archive),
        Map.of("Content-Type", "application/x-tar"), warren.token());
    assertThat(again.status()).as("%s", again).isEqualTo(201);
    assertThat(warren.delete("/v1/images/half:1").status()).isEqualTo(204);
  }

  private static long du(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
  }

  private static List<String> entries(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).toList();
    }
  }
}
