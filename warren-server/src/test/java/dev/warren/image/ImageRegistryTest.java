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
