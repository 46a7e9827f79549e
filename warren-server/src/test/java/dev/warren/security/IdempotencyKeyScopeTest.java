package dev.warren.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.testing.TestWarren;
import dev.warren.testing.TestWarren.Resp;
import java.net.http.HttpRequest;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An Idempotency-Key belongs to the token that sent it: another token sending the same key makes
 * its own sandbox or browser (and never gets the first one's answer, its id, its CDP URL), while a
 * retry with the same token replays the first answer.
 */
class IdempotencyKeyScopeTest {

  @Test
  void theSameKeyFromTwoTokensMakesTwoSandboxesAndTwoBrowsersWhileOneTokenReplays() {
    TestWarren.ensureImage("browser");
    try (TestWarren warren = TestWarren.start()) {
      Resp made = warren.post("/v1/tokens", "{\"name\": \"tenant b\"}");
      assertThat(made.status()).isEqualTo(201);
      String other = made.json().path("token").asString();
      String body = "{\"labels\": {\"job\": \"7\"}}";

      Resp first = create(warren, "/v1/sandboxes", body, "job-7", warren.token());
      Resp theirs = create(warren, "/v1/sandboxes", body, "job-7", other);
      assertThat(first.status()).as(first.toString()).isEqualTo(201);
      assertThat(theirs.status()).as(theirs.toString()).isEqualTo(201);
      String mine = first.json().path("id").asString();
      assertThat(theirs.json().path("id").asString()).as("another token's same key makes another sandbox").isNotEqualTo(mine);
      // each token's retry replays its own answer
      assertThat(create(warren, "/v1/sandboxes", body, "job-7", warren.token()).json().path("id").asString()).isEqualTo(mine);
      assertThat(create(warren, "/v1/sandboxes", body, "job-7", other).json().path("id").asString())
          .isEqualTo(theirs.json().path("id").asString());
      // and a different request under a key already used by that token is a conflict
      Resp conflict = create(warren, "/v1/sandboxes", "{\"labels\": {\"job\": \"8\"}}", "job-7", other);
      assertThat(conflict.status()).as(conflict.toString()).isEqualTo(409);
      assertThat(conflict.json().path("detail").asString()).contains("Idempotency-Key 'job-7'");
      assertThat(warren.get("/v1/sandboxes?label=job=7").json().path("sandboxes").size()).isEqualTo(2);

      Resp browser = create(warren, "/v1/browsers", "{}", "browser-1", warren.token());
      Resp otherBrowser = create(warren, "/v1/browsers", "{}", "browser-1", other);
      assertThat(browser.status()).as(browser.toString()).isEqualTo(201);
      assertThat(otherBrowser.status()).as(otherBrowser.toString()).isEqualTo(201);
      assertThat(otherBrowser.json().path("id").asString()).isNotEqualTo(browser.json().path("id").asString());
      assertThat(otherBrowser.json().path("cdpUrl").asString()).doesNotContain(browser.json().path("id").asString());
      Resp replay = create(warren, "/v1/browsers", "{}", "browser-1", other);
      assertThat(replay.json().path("id").asString()).isEqualTo(otherBrowser.json().path("id").asString());
      assertThat(warren.get("/v1/browsers").json().path("browsers").size()).isEqualTo(2);

      // nothing else harmed: both tokens' sandboxes run
      assertThat(warren.exec(mine, "echo ok").path("stdout").asString()).isEqualTo("ok\n");
      assertThat(warren.exec(theirs.json().path("id").asString(), "echo ok").path("stdout").asString()).isEqualTo("ok\n");
      for (Resp b : new Resp[] {browser, otherBrowser}) {
        assertThat(warren.delete("/v1/browsers/" + b.json().path("id").asString()).status()).isEqualTo(204);
      }
    }
  }

  private static Resp create(TestWarren warren, String path, String body, String key, String token) {
    return warren.send("POST", path, HttpRequest.BodyPublishers.ofString(body),
        Map.of("Content-Type", "application/json", "Idempotency-Key", key), token);
  }
}
