package dev.warren.net;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.testing.TestWarren;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A sandbox's address is given to the next sandbox as soon as it is deleted. The host must reach
 * the new holder at once (as it reaches a browser session's DevTools), not send its frames to the
 * previous holder's MAC until the neighbour entry expires.
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
