package dev.warren.client;

import static dev.warren.client.FakeServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HealthTest {

  private final FakeServer server = new FakeServer();
  private final Warren warren = server.client();

  @AfterEach
  void stop() {
    warren.close();
    server.close();
  }

  @Test
  void readyServerReportsItsChecks() {
    server.otherwise(r -> r.path().equals("/healthz")
        ? json(200, "{\"status\":\"ok\"}")
        : json(200, "{\"status\":\"ready\",\"checks\":{\"store\":\"ok\",\"runtime\":{\"crun\":\"1.8.1\"}}}"));

    Health health = warren.health();

    assertThat(health.ok()).isTrue();
    assertThat(health.ready()).isTrue();
    assertThat(health.status()).isEqualTo("ready");
    assertThat(health.checks()).isEqualTo(Map.of("store", "ok", "runtime", Map.of("crun", "1.8.1")));
    assertThat(warren.ping()).isTrue();
  }

  @Test
  void notReadyIsAnAnswerNotAnError() {
    server.otherwise(r -> r.path().equals("/healthz")
        ? json(200, "{\"status\":\"ok\"}")
        : json(503, "{\"status\":\"not ready\",\"checks\":{\"runtime\":\"crun not found\"}}"));

    Health health = warren.health();

    assertThat(health.ok()).isTrue();
    assertThat(health.ready()).isFalse();
    assertThat(health.checks()).containsEntry("runtime", "crun not found");
    assertThat(server.requests()).extracting(FakeServer.Recorded::path).containsExactly("/healthz", "/readyz");
  }

  @Test
  void pingIsFalseWithoutRetryingWhenTheServerIsSick() {
    server.otherwise(r -> json(503, "{}"));
    assertThat(warren.ping()).isFalse();
    assertThat(server.requests()).hasSize(1);
  }
}
