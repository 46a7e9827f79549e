package dev.warren.client;

import static dev.warren.client.FakeServer.json;
import static dev.warren.client.FakeServer.problem;
import static dev.warren.client.FakeServer.sandboxJson;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RetryTest {

  private final FakeServer server = new FakeServer();
  private final Warren warren = server.client();

  @AfterEach
  void stop() {
    warren.close();
    server.close();
  }

  @Test
  void createRetriesAfter503sWithOneIdempotencyKeyAndSucceedsOnTheThirdTry() {
    server.enqueue(problem(503, "runtime-unavailable", "crun is busy"), problem(503, "runtime-unavailable", "again"),
        json(201, sandboxJson("sbx_1", "running", 1)));

    try (Sandbox sbx = warren.sandboxes().create(SandboxSpec.builder().image("base").build())) {
      assertThat(sbx.id()).isEqualTo("sbx_1");
    }

    var creates = server.requests().stream().filter(r -> r.method().equals("POST")).toList();
    assertThat(creates).hasSize(3);
    String key = creates.getFirst().header("Idempotency-Key");
    assertThat(key).matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    assertThat(creates).allSatisfy(r -> {
      assertThat(r.header("Idempotency-Key")).isEqualTo(key);
      assertThat(r.bodyText()).isEqualTo("{\"image\":\"base\"}");
    });
  }

  @Test
  void eachCreateCallGetsItsOwnIdempotencyKey() {
    server.enqueue(json(201, sandboxJson("sbx_1", "running", 1)), json(201, sandboxJson("sbx_2", "running", 1)));
    warren.sandboxes().create();
    warren.sandboxes().create();
    var keys = server.requests().stream().map(r -> r.header("Idempotency-Key")).distinct().toList();
    assertThat(keys).hasSize(2).doesNotContainNull();
  }

  @Test
  void tooManyRequestsWaitsForRetryAfter() {
    server.enqueue(problem(429, "limit-exceeded", "slow down").header("Retry-After", "1"),
        json(200, sandboxJson("sbx_1", "running", 1)));

    long start = System.nanoTime();
    assertThat(warren.sandboxes().get("sbx_1")).isPresent();
    Duration took = Duration.ofNanos(System.nanoTime() - start);

    assertThat(server.requests()).hasSize(2);
    assertThat(took).isBetween(Duration.ofMillis(900), Duration.ofSeconds(5));
  }

  @Test
  void tooManyRequestsStillAfterEveryAttemptIsLimitExceeded() {
    server.otherwise(r -> problem(429, "limit-exceeded", "64 sandboxes is the limit").header("Retry-After", "0"));

    assertThatThrownBy(() -> warren.sandboxes().create())
        .isInstanceOf(LimitExceededException.class)
        .hasMessage("POST /v1/sandboxes failed with 429 limit-exceeded: 64 sandboxes is the limit after 5 attempts");
    assertThat(server.requests()).hasSize(5);
  }

  @Test
  void badGatewayAndGatewayTimeoutAreRetriedForReads() {
    server.enqueue(json(502, "{}"), json(504, "{}"), json(200, "{\"sandboxes\":[]}"));
    assertThat(warren.sandboxes().list()).isEmpty();
    assertThat(server.requests()).hasSize(3);
  }

  @Test
  void clientErrorsOtherThan429AreNeverRetried() {
    server.otherwise(r -> problem(400, "invalid-input", "nope"));
    assertThatThrownBy(() -> warren.sandboxes().create()).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> warren.sandboxes().attach("sbx_1").stop()).isInstanceOf(InvalidInputException.class);
    assertThat(server.requests()).hasSize(2);
  }

  @Test
  void lifecycleCallsAreRetriedBecauseTheyAreIdempotent() {
    server.enqueue(problem(503, "runtime-unavailable", "x"), json(200, sandboxJson("sbx_1", "stopped", 1)));
    assertThat(warren.sandboxes().attach("sbx_1").stop().state()).isEqualTo(SandboxState.STOPPED);
    assertThat(server.requests()).extracting(FakeServer.Recorded::path)
        .containsExactly("/v1/sandboxes/sbx_1/stop", "/v1/sandboxes/sbx_1/stop");
  }

  @Test
  void execIsNotRetriedOnceTheServerHasTheRequest() {
    server.otherwise(r -> problem(503, "runtime-unavailable", "crun failed"));

    assertThatThrownBy(() -> warren.sandboxes().attach("sbx_1").exec("echo hi"))
        .isInstanceOf(UnavailableException.class)
        .hasMessage("POST /v1/sandboxes/sbx_1/exec failed with 503 runtime-unavailable: crun failed");
    assertThat(server.requests()).hasSize(1);
  }

  @Test
  void connectionRefusedBecomesUnavailableAfterMaxAttempts() throws IOException {
    int port = freePort();
    try (Warren refused = Warren.builder().baseUrl("http://127.0.0.1:" + port).token("t")
        .maxAttempts(3).backoff(Duration.ofMillis(1), Duration.ofMillis(2)).build()) {
      assertThatThrownBy(() -> refused.sandboxes().list())
          .isInstanceOfSatisfying(UnavailableException.class, e -> {
            assertThat(e.status()).isZero();
            assertThat(e.problem()).isEmpty();
          })
          .hasMessageStartingWith("GET /v1/sandboxes failed: no answer from http://127.0.0.1:" + port
              + " after 3 attempts (ConnectException")
          .hasCauseInstanceOf(ConnectException.class);
      assertThat(refused.ping()).isFalse();
    }
  }

  @Test
  void execIsRetriedWhenTheConnectionWasRefusedBeforeSending() throws Exception {
    int port = freePort();
    var late = new AtomicReference<HttpServer>();
    try (var executor = Executors.newVirtualThreadPerTaskExecutor();
         Warren client = Warren.builder().baseUrl("http://127.0.0.1:" + port).token("t")
             .maxAttempts(40).backoff(Duration.ofMillis(20), Duration.ofMillis(40)).build()) {
      executor.submit(() -> {
        Thread.sleep(150);
        late.set(execServer(port));
        return null;
      });
      assertThat(client.sandboxes().attach("sbx_1").exec("echo hi").stdout()).isEqualTo("hi\n");
    } finally {
      if (late.get() != null) late.get().stop(0);
    }
  }

  /** Binds only when called: until then the port refuses connections. */
  private static HttpServer execServer(int port) throws IOException {
    var server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
    server.createContext("/", exchange -> {
      try (exchange) {
        byte[] body = "{\"exitCode\":0,\"stdout\":\"hi\\n\",\"stderr\":\"\",\"durationMs\":3}"
            .getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
      }
    });
    server.start();
    return server;
  }

  static int freePort() throws IOException {
    try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
