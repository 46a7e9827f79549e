package dev.warren.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.warren.testing.TestWarren;
import dev.warren.testing.TestWarren.Resp;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Typed errors, authentication, idempotent creates and health, as the SDK sees them. */
class SdkErrorsAndHealthTest {
  static final String UNKNOWN_ID = "sbx_00000000000000000000000000";

  static TestWarren server;
  static Warren warren;

  @RegisterExtension
  static final ServerLogOnFailure logs = new ServerLogOnFailure(() -> server);

  @BeforeAll
  static void startServer() {
    server = TestWarren.start();
    warren = server.sdk();
  }

  @AfterAll
  static void stopServer() {
    try (var s = server; var w = warren) {
      // closed in reverse order: client, server
    }
  }

  @Test
  void unknownSandboxIsEmptyFromGetAndNotFoundFromAHandle() {
    assertThat(warren.sandboxes().get(UNKNOWN_ID)).isEmpty();

    Sandbox handle = warren.sandboxes().attach(UNKNOWN_ID);
    NotFoundException e = catchThrowableOfType(NotFoundException.class, handle::info);
    assertThat(e.status()).isEqualTo(404);
    assertThat(e.method()).isEqualTo("GET");
    assertThat(e.path()).isEqualTo("/v1/sandboxes/" + UNKNOWN_ID);
    assertThat(e.detail()).contains("no sandbox " + UNKNOWN_ID);
    assertThat(e.problem()).hasValueSatisfying(p -> {
      assertThat(p.type()).isEqualTo("https://warren.dev/problems/not-found");
      assertThat(p.instance()).contains("/v1/sandboxes/" + UNKNOWN_ID);
    });
    assertThat(e).hasMessage("GET /v1/sandboxes/" + UNKNOWN_ID + " failed with 404 not-found: no sandbox " + UNKNOWN_ID);

    assertThatThrownBy(() -> handle.exec("true")).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(handle::stop).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> handle.files().read("/etc/hostname")).isInstanceOf(NotFoundException.class);
    assertThat(warren.sandboxes().delete(UNKNOWN_ID)).isFalse();
    warren.sandboxes().attach(UNKNOWN_ID, true).close(); // deleting what is already gone is fine
    assertThatThrownBy(() -> warren.sandboxes().get("../etc")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void deletedSandboxIsGoneForEveryHandle() {
    Sandbox owner = warren.sandboxes().create();
    Sandbox other = warren.sandboxes().get(owner.id()).orElseThrow();

    assertThat(warren.sandboxes().delete(owner.id())).isTrue();

    assertThatThrownBy(other::refresh).isInstanceOf(NotFoundException.class);
    assertThat(warren.sandboxes().delete(owner.id())).isFalse();
    owner.close(); // its delete meets a 404
  }

  static Stream<Arguments> specsTheServerRefuses() {
    return Stream.of(
        Arguments.of("memory under the minimum", SandboxSpec.builder().memoryMb(8).build(), "limits.memoryMb",
            "limits.memoryMb must be between 16 and 262144, got 8"),
        Arguments.of("too few pids", SandboxSpec.builder().pids(1).build(), "limits.pids",
            "limits.pids must be between 8 and 1000000, got 1"),
        Arguments.of("too many cpus", SandboxSpec.builder().cpus(2000).build(), "limits.cpus",
            "limits.cpus must be between 0.01 and 1024.0, got 2000.0"),
        Arguments.of("unknown image", SandboxSpec.builder().image("no-such-image").build(), "image",
            "unknown image 'no-such-image'"),
        Arguments.of("malformed image", SandboxSpec.builder().image("Not An Image!").build(), "image",
            "image must be a recipe name like 'base' or an image name like 'myimage:1.0'"),
        Arguments.of("reserved env name", SandboxSpec.builder().env("WARREN_SANDBOX_ID", "x").build(),
            "env.WARREN_SANDBOX_ID", "names starting with WARREN_ are reserved for Warren"),
        Arguments.of("malformed env name", SandboxSpec.builder().env("1X", "x").build(), "env.1X",
            "environment variable names are letters"),
        Arguments.of("malformed label name", SandboxSpec.builder().label("-bad", "x").build(), "labels.-bad",
            "label names are 1-128 letters"),
        Arguments.of("idle timeout over 30 days", SandboxSpec.builder().idleTimeout(Duration.ofDays(31)).build(),
            "idleTimeoutSeconds", "idleTimeoutSeconds must be between 0 and 2592000, got 2678400"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("specsTheServerRefuses")
  void badSpecIsInvalidInputNamingTheField(String why, SandboxSpec spec, String field, String detail) {
    int before = warren.sandboxes().list().size();

    InvalidInputException e = catchThrowableOfType(InvalidInputException.class, () -> warren.sandboxes().create(spec));

    assertThat(e).as(why).isNotNull();
    assertThat(e.status()).isEqualTo(400);
    assertThat(e.field()).contains(field);
    assertThat(e.detail()).hasValueSatisfying(d -> assertThat(d).startsWith(detail));
    assertThat(e).hasMessageStartingWith("POST /v1/sandboxes failed with 400 invalid-input: " + detail)
        .hasMessageEndingWith("(field " + field + ")");
    assertThat(warren.sandboxes().list()).as("nothing was created").hasSize(before);
  }

  @Test
  void limitsThatCannotBeRightFailInTheSdkAndWouldFailOnTheServer() {
    assertThatThrownBy(() -> SandboxSpec.builder().memoryMb(-5))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("memoryMb must be positive, got -5");
    assertThatThrownBy(() -> SandboxSpec.builder().pids(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("pids must be positive, got 0");

    // the SDK cannot send these; the server names the same fields when another client does
    Resp memory = server.post("/v1/sandboxes", "{\"limits\": {\"memoryMb\": -5}}");
    assertThat(memory.status()).isEqualTo(400);
    assertThat(memory.json().path("field").asString()).isEqualTo("limits.memoryMb");
    assertThat(memory.json().path("detail").asString()).isEqualTo("limits.memoryMb must be between 16 and 262144, got -5");
    Resp pids = server.post("/v1/sandboxes", "{\"limits\": {\"pids\": 0}}");
    assertThat(pids.status()).isEqualTo(400);
    assertThat(pids.json().path("field").asString()).isEqualTo("limits.pids");
  }

  @Test
  void wrongTokenIsUnauthorizedAndNotRetried() {
    try (Warren stranger = Warren.builder().baseUrl(server.base().toString()).token("not-the-token").build()) {
      UnauthorizedException e = catchThrowableOfType(UnauthorizedException.class, () -> stranger.sandboxes().list());

      assertThat(e.status()).isEqualTo(401);
      assertThat(e.problem()).hasValueSatisfying(p -> assertThat(p.typeName()).isEqualTo("unauthorized"));
      assertThat(e).hasMessage("GET /v1/sandboxes failed with 401 unauthorized: the token is not valid");
      assertThatThrownBy(() -> stranger.sandboxes().create()).isInstanceOf(UnauthorizedException.class);
      assertThatThrownBy(() -> stranger.sandboxes().get(UNKNOWN_ID)).isInstanceOf(UnauthorizedException.class);
      assertThat(stranger.ping()).as("/healthz needs no token").isTrue();
    }
  }

  @Test
  void sameIdempotencyKeyCreatesOneSandbox() {
    String key = "sdk-test-" + UUID.randomUUID();
    String body = "{\"labels\": {\"idem\": \"" + key + "\"}}";

    Resp first = createWithKey(key, body);
    Resp second = createWithKey(key, body);

    assertThat(first.status()).as(first.toString()).isEqualTo(201);
    assertThat(second.status()).as(second.toString()).isEqualTo(201);
    String id = first.json().path("id").asString();
    assertThat(second.json()).as("the same body again").isEqualTo(first.json());
    try (Sandbox sbx = warren.sandboxes().attach(id, true)) {
      assertThat(warren.sandboxes().list(SandboxQuery.all().withLabel("idem", key))).extracting(Sandbox::id)
          .containsExactly(sbx.id());

      Resp different = createWithKey(key, "{\"labels\": {\"idem\": \"other\"}}");
      assertThat(different.status()).isEqualTo(409);
      assertThat(different.json().path("type").asString()).isEqualTo("https://warren.dev/problems/conflict");
      assertThat(different.json().path("detail").asString()).contains(key);
      assertThat(warren.sandboxes().list(SandboxQuery.all().withLabel("idem", "other"))).isEmpty();
    }
  }

  @Test
  void healthAndPingReportAServerThatIsUpAndReady() {
    Health health = warren.health();

    assertThat(health.ok()).isTrue();
    assertThat(health.ready()).isTrue();
    assertThat(health.status()).isEqualTo("ready");
    assertThat(health.checks()).containsEntry("store", "ok").containsEntry("runtime", "ok")
        .allSatisfy((name, value) -> assertThat(value).as(name).isEqualTo("ok"));
    assertThat(warren.ping()).isTrue();
  }

  @Test
  void pingIsFalseAndHealthIsUnavailableWhenNothingListens() throws IOException {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    try (Warren nowhere = Warren.builder().baseUrl("http://127.0.0.1:" + port).token(server.token())
        .maxAttempts(2).backoff(Duration.ofMillis(10), Duration.ofMillis(20)).build()) {
      long t0 = System.nanoTime();
      assertThat(nowhere.ping()).isFalse();

      UnavailableException e = catchThrowableOfType(UnavailableException.class, nowhere::health);
      assertThat(e.status()).isZero();
      assertThat(e.problem()).isEmpty();
      assertThat(e).hasMessageStartingWith("GET /healthz failed: no answer from http://127.0.0.1:" + port + " after 2 attempts");
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
    }
  }

  @Test
  void closedClientRefusesCallsAndClosesAgainQuietly() {
    Warren client = server.sdk();
    assertThat(client.ping()).isTrue();

    client.close();
    client.close();

    assertThatThrownBy(() -> client.sandboxes().list()).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(client::health).isInstanceOf(IllegalStateException.class);
  }

  private static Resp createWithKey(String key, String body) {
    return server.send("POST", "/v1/sandboxes", HttpRequest.BodyPublishers.ofString(body),
        Map.of("Content-Type", "application/json", "Idempotency-Key", key), server.token());
  }
}
