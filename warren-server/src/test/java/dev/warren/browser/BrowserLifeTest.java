package dev.warren.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.warren.client.WarrenClientsTest;
import dev.warren.testing.TestWarren;
import dev.warren.testing.TestWarren.Resp;
import dev.warren.testing.WarrenFixture;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * A shared session outlives what its clients and the outside do to its Chromium: a CDP client's
 * {@code Browser.close} closes that client's pages only, and a Chromium killed from outside is
 * noticed and started again by itself, so that a create with the same key never hands back a
 * crashed session.
 */
class BrowserLifeTest {
  @RegisterExtension
  static final WarrenFixture warren = WarrenFixture.withBrowserImage();

  @Test
  void puppeteersBrowserCloseLeavesTheSharedSessionToTheNextClient() throws Exception {
    WarrenClientsTest.run(warren.server(), WarrenClientsTest.CLIENTS.resolve("interop"),
        List.of("sh", WarrenClientsTest.CLIENTS.resolve("npm-ci.sh").toString(), WarrenClientsTest.CLIENTS.resolve("interop").toString()));
    WarrenClientsTest.run(warren.server(), WarrenClientsTest.CLIENTS.resolve("interop"),
        List.of("node", "--test", "--test-concurrency=1", "test/lifecycle.test.mjs"));
  }

  @Test
  void chromiumKilledFromOutsideIsNoticedAndStartedAgainByItself() {
    TestWarren w = warren.server();
    String key = "life-kill-" + System.nanoTime();
    JsonNode b = create(key);
    String id = b.path("id").asString();
    try {
      long generation = b.path("generation").asLong();
      String sandbox = b.path("sandboxId").asString();
      // the oldest process running /usr/bin/chromium is the browser's main process
      JsonNode killed = w.exec(sandbox, "pid=$(pgrep -o -x chromium); echo $pid; kill -9 $pid");
      assertThat(killed.path("exitCode").asInt()).as(killed.toString()).isZero();
      long t0 = System.nanoTime();

      // noticed quickly: the session is not ready (or already a later generation) within 3 s
      await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
        JsonNode now = w.get("/v1/browsers/" + id).json();
        assertThat(now.path("state").asString().equals("ready") && now.path("generation").asLong() == generation)
            .as("still ready on the dead Chromium: %s", now).isFalse();
      });
      long noticedMs = (System.nanoTime() - t0) / 1_000_000;

      // and back by itself, as a later generation, with the reason of its restart in the events
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
        JsonNode now = w.get("/v1/browsers/" + id).json();
        assertThat(now.path("state").asString()).as(now.toString()).isEqualTo("ready");
        assertThat(now.path("generation").asLong()).isGreaterThan(generation);
      });
      System.out.printf("Chromium killed: noticed in %d ms, ready again in %d ms%n", noticedMs, (System.nanoTime() - t0) / 1_000_000);

      JsonNode again = create(key);
      assertThat(again.path("id").asString()).isEqualTo(id);
      assertThat(again.path("state").asString()).isEqualTo("ready");
      Resp nav = w.post("/v1/browsers/" + id + "/actions/evaluate", TestWarren.json(Map.of("expression", "6 * 7")));
      assertThat(nav.status()).as(nav.toString()).isEqualTo(200);
      assertThat(nav.json().path("value").asInt()).isEqualTo(42);
    } finally {
      w.delete("/v1/browsers/" + id);
    }
  }

  @Test
  void aCreateWithTheKeyOfARestartingSessionWaitsForItInsteadOfAnsweringItBroken() {
    TestWarren w = warren.server();
    String key = "life-create-" + System.nanoTime();
    JsonNode b = create(key);
    String id = b.path("id").asString();
    try {
      JsonNode killed = w.exec(b.path("sandboxId").asString(), "kill -9 $(pgrep -o -x chromium)");
      assertThat(killed.path("exitCode").asInt()).as(killed.toString()).isZero();
      // right away: whether or not the death was noticed yet, the answer is a working session
      JsonNode again = create(key);
      assertThat(again.path("id").asString()).isEqualTo(id);
      assertThat(again.path("state").asString()).as(again.toString()).isEqualTo("ready");
      Resp eval = w.post("/v1/browsers/" + id + "/actions/evaluate", TestWarren.json(Map.of("expression", "1 + 1")));
      assertThat(eval.status()).as(eval.toString()).isEqualTo(200);
    } finally {
      w.delete("/v1/browsers/" + id);
    }
  }

  /**
   * A Chromium that is alive but slow (a loaded host, a page hogging it) is not a dead one: a call
   * that times out meanwhile is a 503, and the session comes back as it was, the same generation
   * with its pages, instead of being restarted under its clients and live viewers.
   */
  @Test
  void aChromiumSlowToAnswerIsWaitedForNotRestarted() throws Exception {
    TestWarren w = warren.server();
    String key = "life-slow-" + System.nanoTime();
    JsonNode b = create(key);
    String id = b.path("id").asString();
    String sandbox = b.path("sandboxId").asString();
    try {
      long generation = b.path("generation").asLong();
      JsonNode stopped = w.exec(sandbox, "kill -STOP $(pgrep -o -x chromium)");
      assertThat(stopped.path("exitCode").asInt()).as(stopped.toString()).isZero();
      try {
        // DevTools accepts the connection but does not answer: the API says so (503) and the watch is told
        Resp slow = w.get("/v1/browsers/" + id + "/json/version");
        assertThat(slow.status()).as(slow.toString()).isEqualTo(503);
        Thread.sleep(2500);
      } finally {
        JsonNode resumed = w.exec(sandbox, "kill -CONT $(pgrep -o -x chromium)");
        assertThat(resumed.path("exitCode").asInt()).as(resumed.toString()).isZero();
      }
      Thread.sleep(4000);
      JsonNode now = w.get("/v1/browsers/" + id).json();
      assertThat(now.path("state").asString()).as(now.toString()).isEqualTo("ready");
      assertThat(now.path("generation").asLong()).as("restarted though alive: %s", now).isEqualTo(generation);
      Resp eval = w.post("/v1/browsers/" + id + "/actions/evaluate", TestWarren.json(Map.of("expression", "6 * 7")));
      assertThat(eval.status()).as(eval.toString()).isEqualTo(200);
    } finally {
      w.delete("/v1/browsers/" + id);
    }
  }

  private static JsonNode create(String key) {
    Resp r = warren.server().post("/v1/browsers", TestWarren.json(Map.of("key", key)));
    assertThat(r.status()).as(r.toString()).isIn(200, 201);
    return r.json();
  }
}
