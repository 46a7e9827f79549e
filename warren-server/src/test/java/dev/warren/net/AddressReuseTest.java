package dev.warren.net;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.testing.TestWarren;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Sandboxes come and go while the host talks to others (as it talks to browser sessions'
 * DevTools). A sandbox's address is given to the next sandbox as soon as it is deleted: the host
 * must reach the new holder at once, not send its frames to the previous holder's MAC until the
 * neighbour entry expires. And the sandboxes that stay must go on reaching the host when the
 * sandbox whose port lent the bridge its MAC goes.
 */
class AddressReuseTest {
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

  @Test
  void theNextSandboxAtAnAddressAnswersAtOnce() throws Exception {
    String first = warren.createSandbox("{}");
    // a second sandbox keeps the bridge up: alone, the last port's removal would take the
    // bridge's carrier down, and that flushes the host's neighbour entries
    String neighbour = warren.createSandbox("{}");
    String address = warren.get("/v1/sandboxes/" + first).json().path("address").asString();
    serve(first, "first");
    assertThat(fetch(address)).isEqualTo("first\n");
    assertThat(warren.delete("/v1/sandboxes/" + first).status()).isEqualTo(204);

    for (int round = 0; round < 3; round++) {
      String next = warren.createSandbox("{}");
      assertThat(warren.get("/v1/sandboxes/" + next).json().path("address").asString())
          .as("the lowest free address is reused, which is what this test is about").isEqualTo(address);
      serve(next, "round " + round);
      long t0 = System.nanoTime();
      assertThat(fetch(address)).isEqualTo("round " + round + "\n");
      assertThat((System.nanoTime() - t0) / 1_000_000).as("ms until the new sandbox answered").isLessThan(500);
      assertThat(warren.delete("/v1/sandboxes/" + next).status()).isEqualTo(204);
    }
    assertThat(warren.delete("/v1/sandboxes/" + neighbour).status()).isEqualTo(204);
  }

  @Test
  void theOthersStayReachableWhenTheSandboxWithTheLowestMacGoes() throws Exception {
    // a bridge without a MAC of its own takes its lowest port's: when that sandbox went, the others'
    // frames to the gateway's old MAC were lost until their ARP entries expired (seconds of stall)
    java.util.List<String> ids = new java.util.ArrayList<>();
    java.util.Map<String, String> addresses = new java.util.HashMap<>();
    for (int i = 0; i < 3; i++) {
      String id = warren.createSandbox("{}");
      ids.add(id);
      addresses.put(id, warren.get("/v1/sandboxes/" + id).json().path("address").asString());
      serve(id, "sandbox " + i);
      // each has answered the host, so each knows the gateway's MAC
      assertThat(fetch(addresses.get(id))).isEqualTo("sandbox " + i + "\n");
    }
    String bridge = warren.config().bridge().orElse(warren.instanceName());
    String bridgeMac = Files.readString(Path.of("/sys/class/net", bridge, "address")).strip();
    String lowest = ids.stream().min(java.util.Comparator.comparing(AddressReuseTest::hostSideMac)).orElseThrow();
    assertThat(warren.delete("/v1/sandboxes/" + lowest).status()).isEqualTo(204);
    for (String id : ids) {
      if (!id.equals(lowest)) {
        long t0 = System.nanoTime();
        assertThat(fetch(addresses.get(id))).startsWith("sandbox ");
        assertThat((System.nanoTime() - t0) / 1_000_000).as("ms until %s answered", id).isLessThan(500);
        assertThat(warren.delete("/v1/sandboxes/" + id).status()).isEqualTo(204);
      }
    }
    assertThat(Files.readString(Path.of("/sys/class/net", bridge, "address")).strip()).as("the bridge keeps its MAC").isEqualTo(bridgeMac);
  }

  /** The MAC of the host side of a sandbox's veth (its alias ends with the sandbox id). */
  private static String hostSideMac(String sandboxId) {
    try (var links = Files.list(Path.of("/sys/class/net"))) {
      for (Path link : links.toList()) {
        Path alias = link.resolve("ifalias");
        if (Files.isReadable(alias) && Files.readString(alias).strip().endsWith(":" + sandboxId)) {
          return Files.readString(link.resolve("address")).strip();
        }
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    throw new AssertionError("no veth of " + sandboxId);
  }

  /** Starts a small HTTP server in the sandbox that answers {@code text}, and waits until it listens. */
  private static void serve(String id, String text) {
    var r = warren.exec(id, "mkdir -p /tmp/www && echo '" + text + "' > /tmp/www/index.html && cd /tmp/www && "
        + "(setsid python3 -m http.server 8000 >/dev/null 2>&1 &) && "
        + "for i in $(seq 100); do python3 -c 'import socket; socket.create_connection((\"127.0.0.1\", 8000), 0.2)' 2>/dev/null && exit 0; "
        + "sleep 0.05; done; exit 1");
    assertThat(r.path("exitCode").asInt()).as(r.toString()).isZero();
  }

  /** GET / of the sandbox's server from the host, with one 2 s attempt (a lost SYN would take 1 s to be resent). */
  private static String fetch(String address) throws IOException, InterruptedException {
    try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + address + ":8000/")).timeout(Duration.ofSeconds(2))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      return r.body();
    }
  }
}
