package dev.warren.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.warren.testing.TestWarren;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Idle sandboxes stop by themselves; busy ones (API calls or CPU inside) never do. */
class IdleStopTest {
  static TestWarren warren;

  @BeforeAll
  static void start() {
    warren = TestWarren.start(Map.of("WARREN_IDLE_CHECK_INTERVAL", "1s"));
  }

  @AfterAll
  static void stop() {
    if (warren != null) {
      warren.close();
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private String state(String id) {
    return warren.get("/v1/sandboxes/" + id).json().path("state").asString();
  }

  @Test
  void idleSandboxIsStoppedWithAReasonAndBusyOnesKeepRunning() {
    String idle = warren.createSandbox("{\"idleTimeoutSeconds\": 3}");
    String building = warren.createSandbox("{\"idleTimeoutSeconds\": 3}");
    String polled = warren.createSandbox("{\"idleTimeoutSeconds\": 3}");
    String forever = warren.createSandbox("{\"idleTimeoutSeconds\": 0}");
    // a long "build": CPU busy inside the sandbox, no API calls at all
    warren.exec(building, "nohup sh -c 'while :; do :; done' >/dev/null 2>&1 & echo started");

    long t0 = System.nanoTime();
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500)).until(() -> {
      warren.exec(polled, "true");
      return state(idle).equals("stopped");
    });
    long waited = Duration.ofNanos(System.nanoTime() - t0).toSeconds();
    assertThat(waited).isGreaterThanOrEqualTo(2);
    assertThat(warren.get("/v1/sandboxes/" + idle).json().path("stateReason").asString()).contains("idle for");

    // well past the timeout, the busy ones still run
    long until = System.nanoTime() + Duration.ofSeconds(6).toNanos();
    while (System.nanoTime() < until) {
      warren.exec(polled, "true");
      sleep(500);
    }
    assertThat(state(building)).isEqualTo("running");
    assertThat(state(polled)).isEqualTo("running");
    assertThat(state(forever)).isEqualTo("running");

    // an idle-stopped sandbox starts again on request
    assertThat(warren.post("/v1/sandboxes/" + idle + "/start", null).json().path("state").asString()).isEqualTo("running");
  }
}
