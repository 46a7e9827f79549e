package dev.warren.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.testing.TestWarren;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Named tokens, the audit trail over the API, and structured, secret-free logs. */
class AuditAndLogsTest {

  @Test
  void callersAreTellApartInTheAuditTrailAndTheLogsHoldNoSecrets() throws Exception {
    try (TestWarren w = TestWarren.start()) {
      Instant start = Instant.now();
      TestWarren.Resp made = w.post("/v1/tokens", "{\"name\":\"ci bot\"}");
      assertThat(made.status()).as("%s", made).isEqualTo(201);
      String botId = made.json().path("id").asString();
      String bot = made.json().path("token").asString();
      assertThat(botId).matches("tok_[0-9a-z]{26}");
      assertThat(bot).startsWith("wrn_").isNotEqualTo(w.token());
      assertThat(made.json().path("createdBy").asString()).isEqualTo("admin");

      TestWarren.Resp list = w.get("/v1/tokens");
      assertThat(list.json().path("tokens")).hasSize(1);
      assertThat(list.text()).contains(botId).contains("ci bot").doesNotContain(bot);

      // the bot works, but only admin manages tokens
      TestWarren.Resp created = w.send("POST", "/v1/sandboxes", HttpRequest.BodyPublishers.ofString(
          "{\"egress\":{\"allow\":[\"example.com:443\"],\"upstreamProxy\":\"http://proxyuser:s3cr3t-pw@203.0.113.7:3999\"}}"),
          Map.of("Content-Type", "application/json"), bot);
      assertThat(created.status()).as("%s", created).isEqualTo(201);
      String sbx = created.json().path("id").asString();
      TestWarren.Resp forbidden = w.send("POST", "/v1/tokens", HttpRequest.BodyPublishers.ofString("{\"name\":\"x\"}"),
          Map.of("Content-Type", "application/json"), bot);
      assertThat(forbidden.status()).isEqualTo(403);
      assertThat(forbidden.json().path("detail").asString()).contains("only the admin token");
      assertThat(w.send("POST", "/v1/sandboxes/" + sbx + "/exec", HttpRequest.BodyPublishers.ofString("{\"command\":\"true\"}"),
          Map.of("Content-Type", "application/json"), bot).status()).isEqualTo(200);
      // the admin token as a query parameter, and a wrong token
      assertThat(w.send("POST", "/v1/sandboxes/" + sbx + "/stop?token=" + w.token(), HttpRequest.BodyPublishers.noBody(), Map.of(), null)
          .status()).isEqualTo(200);
      assertThat(w.send("DELETE", "/v1/sandboxes/" + sbx, HttpRequest.BodyPublishers.noBody(), Map.of(), "wrn_wrong-token-value-12345")
          .status()).isEqualTo(401);
      assertThat(w.get("/v1/sandboxes/" + sbx).status()).as("reads are not audited").isEqualTo(200);

      JsonNode all = w.get("/v1/audit?limit=50").json().path("entries");
      List<String> seen = StreamSupport.stream(all.spliterator(), false)
          .map(e -> e.path("actor").asString() + " " + e.path("method").asString() + " " + e.path("route").asString() + " "
              + e.path("status").asInt() + " " + e.path("subject").asString(""))
          .toList();
      assertThat(seen).containsExactly(
          "unauthenticated DELETE /v1/sandboxes/{id} 401 " + sbx,
          "admin POST /v1/sandboxes/{id}/stop 200 " + sbx,
          botId + " POST /v1/sandboxes/{id}/exec 200 " + sbx,
          botId + " POST /v1/tokens 403 ",
          botId + " POST /v1/sandboxes 201 " + sbx,
          "admin POST /v1/tokens 201 " + botId);
      JsonNode newest = all.get(1);
      assertThat(newest.path("path").asString()).isEqualTo("/v1/sandboxes/" + sbx + "/stop");
      assertThat(Instant.parse(newest.path("at").asString())).isAfterOrEqualTo(start.minusSeconds(1));
      assertThat(newest.path("durationMs").asLong()).isNotNegative();

      assertThat(w.get("/v1/audit?actor=" + botId).json().path("entries")).hasSize(3);
      assertThat(w.get("/v1/audit?subject=" + sbx + "&limit=2").json().path("entries")).hasSize(2);
      assertThat(w.get("/v1/audit?since=" + Instant.now().plusSeconds(60)).json().path("entries")).isEmpty();
      TestWarren.Resp bad = w.get("/v1/audit?since=yesterday");
      assertThat(bad.status()).isEqualTo(400);
      assertThat(bad.json().path("field").asString()).isEqualTo("since");
      assertThat(w.get("/v1/audit?limit=0").json().path("field").asString()).isEqualTo("limit");

      // a revoked token stops working at once and stays in the trail
      assertThat(w.delete("/v1/tokens/" + botId).status()).isEqualTo(204);
      assertThat(w.send("GET", "/v1/sandboxes", HttpRequest.BodyPublishers.noBody(), Map.of(), bot).status()).isEqualTo(401);
      assertThat(w.get("/v1/tokens").json().path("tokens").get(0).path("revokedAt").isNull()).isFalse();
      assertThat(w.delete("/v1/tokens/admin").status()).isEqualTo(409);
      assertThat(w.delete("/v1/tokens/tok_00000000000000000000000000").status()).isEqualTo(404);

      w.restart();
      assertThat(w.get("/v1/audit?actor=" + botId).json().path("entries")).as("kept in the store").hasSize(3);
      assertThat(w.send("GET", "/v1/sandboxes", HttpRequest.BodyPublishers.noBody(), Map.of(), bot).status()).isEqualTo(401);

      String log = Files.readString(w.dataDir().resolve("logs/warren.log"));
      assertThat(log).contains("logger=api msg=call method=POST route=/v1/sandboxes/{id}/exec path=/v1/sandboxes/" + sbx
          + "/exec status=200 ms=").contains("actor=" + botId + " subject=" + sbx);
      assertThat(log).containsPattern("logger=events msg=event kind=sandbox.created subject=" + sbx + " ms=\\d+ detail=");
      assertThat(log).contains("kind=controller.started");
      for (String line : log.lines().toList()) {
        assertThat(line).startsWith("ts=").contains(" level=").contains(" logger=").contains(" msg=");
      }
      for (String text : List.of(log, w.log(100_000))) {
        assertThat(text).doesNotContain(bot).doesNotContain("s3cr3t-pw").doesNotContain("wrong-token-value");
      }
      assertThat(log).doesNotContain(w.token());
    }
  }
}
