package dev.warren.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.api.SignedTokens;
import dev.warren.testing.TestWarren;
import dev.warren.testing.TestWarren.Resp;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** WARREN_RATE_LIMIT: a token bucket per token; past it, 429 with Retry-After, and the bucket refills. */
class RateLimitTest {

  @Test
  void aTokenPastItsBurstGets429WithRetryAfterAndIsServedAgainAfterIt() throws Exception {
    try (TestWarren warren = TestWarren.start(Map.of("WARREN_RATE_LIMIT", "2/10"))) {
      // the bucket may have refilled a little since start-up: spend it, counting
      int ok = 0;
      Resp refused = null;
      for (int i = 0; i < 40 && refused == null; i++) {
        Resp r = warren.get("/v1/sandboxes");
        if (r.status() == 200) {
          ok++;
        } else {
          refused = r;
        }
      }
      assertThat(ok).as("requests served before the limit").isBetween(10, 14);
      assertThat(refused).isNotNull();
      assertThat(refused.status()).isEqualTo(429);
      assertThat(refused.raw().headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
      assertThat(refused.json().path("type").asString()).endsWith("/limit-exceeded");
      assertThat(refused.json().path("detail").asString()).contains("2.0 requests/s with bursts of 10 per token (WARREN_RATE_LIMIT)");
      long retryAfter = Long.parseLong(refused.raw().headers().firstValue("Retry-After").orElseThrow());
      assertThat(retryAfter).isBetween(1L, 2L);
      assertThat(refused.json().path("retryAfterSeconds").asLong()).isEqualTo(retryAfter);

      // health, readiness and metrics are not counted; neither are calls without a valid token (401 first)
      for (int i = 0; i < 20; i++) {
        assertThat(warren.send("GET", "/healthz", HttpRequest.BodyPublishers.noBody(), Map.of(), null).status()).isEqualTo(200);
      }
      assertThat(warren.send("GET", "/v1/sandboxes", HttpRequest.BodyPublishers.noBody(), Map.of(), "wrn_wrong-token-000000000")
          .status()).isEqualTo(401);
      // a browser's signed token has a bucket of its own
      String brw = "brw_" + "0".repeat(26);
      String signed = SignedTokens.load(warren.dataDir(), minter -> true).issue("cdp", brw, Duration.ofMinutes(5), "admin");
      assertThat(warren.send("GET", "/v1/browsers/" + brw + "/json/version", HttpRequest.BodyPublishers.noBody(), Map.of(), signed)
          .status()).isEqualTo(404);

      Thread.sleep(retryAfter * 1000 + 100);
      assertThat(warren.get("/v1/sandboxes").status()).isEqualTo(200);
      // 2 per second sustained is served
      for (int i = 0; i < 4; i++) {
        Thread.sleep(550);
        assertThat(warren.get("/v1/sandboxes").status()).isEqualTo(200);
      }
    }
  }
}
