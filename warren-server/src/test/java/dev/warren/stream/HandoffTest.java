package dev.warren.stream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.testing.TestWarren;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * Human takeover through the API: an agent asks and waits, a human watching the live view takes
 * control, logs in and hands back, the profile is saved, and the agent's wait returns.
 */
class HandoffTest {
  static TestWarren warren;
  static LiveSite site;

  @RegisterExtension
  static final LogOnFailure LOG = new LogOnFailure(() -> warren);

  @BeforeAll
  static void start() throws Exception {
    TestWarren.ensureImage("browser");
    warren = TestWarren.start();
    site = new LiveSite();
  }

  @AfterAll
  static void stop() {
    if (site != null) {
      site.close();
    }
    if (warren != null) {
      warren.delete("/v1/browsers?all=true");
      warren.close();
    }
  }

  static JsonNode browser(Map<String, Object> body) {
    var r = warren.post("/v1/browsers", TestWarren.json(body));
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    return r.json();
  }

  static String tokenOf(String url) {
    return URI.create(url).getQuery().replace("token=", "");
  }

  @Test
  void anAgentAsksAHumanTakesOverHandsBackAndTheLoginIsSaved() throws Exception {
    JsonNode b = browser(Map.of("profile", "shop", "egress", Map.of("allow", List.of(site.allow()))));
    String id = b.path("id").asString();
    String path = "/v1/browsers/" + id + "/handoffs";
    var asked = warren.post(path, "{\"reason\": \"log in to the shop, please\"}");
    assertThat(asked.status()).as(asked.toString()).isEqualTo(201);
    JsonNode h = asked.json();
    String hid = h.path("id").asString();
    assertThat(hid).startsWith("hnd_");
    assertThat(h.path("state").asString()).isEqualTo("waiting");
    assertThat(h.path("liveViewUrl").asString()).contains("/live/browsers/" + id + "?token=");
    assertThat(asked.raw().headers().firstValue("Location")).contains(path + "/" + hid);
    var again = warren.post(path, "{\"reason\": \"log in again\"}");
    assertThat(again.status()).isEqualTo(200);
    assertThat(again.json().path("id").asString()).isEqualTo(hid);
    assertThat(warren.get("/v1/handoffs?state=waiting").json().path("handoffs").toString()).contains(hid);

    CompletableFuture<JsonNode> agent = CompletableFuture.supplyAsync(() -> warren.get(path + "/" + hid + "?waitSeconds=120").json());
    String control = tokenOf(h.path("liveViewUrl").asString());
    try (WsClient human = WsClient.open(URI.create("ws://" + warren.base().getAuthority() + "/v1/browsers/" + id + "/live?viewer=human&token="
        + control), true)) {
      JsonNode hello = human.await("hello", Duration.ofSeconds(20));
      assertThat(hello.path("handoff").path("id").asString()).isEqualTo(hid);
      assertThat(hello.path("handoff").path("reason").asString()).isEqualTo("log in to the shop, please");
      human.send("{\"type\":\"take-control\"}");
      JsonNode taken = human.await(m -> m.path("type").asString().equals("handoff") && m.path("state").asString().equals("in-progress"),
          Duration.ofSeconds(10), "handoff in progress");
      assertThat(taken.path("takenBy").asString()).isEqualTo("human");
      assertThat(agent).isNotDone();
      // the human logs in (the shop sets a cookie), then hands back with the page's own token
      var login = warren.post("/v1/browsers/" + id + "/actions/navigate", TestWarren.json(Map.of("url", site.url("/login"))));
      assertThat(login.json().path("title").asString()).isEqualTo("Logged in");
      var done = warren.send("POST", path + "/" + hid + "/complete?token=" + control, HttpRequest.BodyPublishers.noBody(), Map.of(), null);
      assertThat(done.status()).as(done.toString()).isEqualTo(200);
      assertThat(done.json().path("state").asString()).isEqualTo("done");
      assertThat(done.json().path("profileSaved").asBoolean()).isTrue();
      assertThat(done.json().path("liveViewUrl").isNull()).isTrue();
      // saving the profile restarted Chromium: the viewer is moved to the next generation
      WsClient.Closed closed = human.awaitClose(Duration.ofSeconds(20));
      assertThat(closed.code()).isEqualTo(4001);
    }
    JsonNode answer = agent.get(30, TimeUnit.SECONDS);
    assertThat(answer.path("state").asString()).isEqualTo("done");
    assertThat(answer.path("profileSaved").asBoolean()).isTrue();
    assertThat(answer.path("takenBy").asString()).isEqualTo("human");
    assertThat(warren.get("/v1/handoffs?state=open").json().path("handoffs").toString()).doesNotContain(hid);
    String kinds = warren.get("/v1/events?subject=" + id).json().path("events").toString();
    assertThat(kinds).contains("handoff.requested", "handoff.taken", "handoff.done", "browser.profile-saved");
    JsonNode after = warren.get("/v1/browsers/" + id).json();
    assertThat(after.path("state").asString()).isEqualTo("ready");
    assertThat(after.path("generation").asLong()).isEqualTo(b.path("generation").asLong() + 1);
    // the page the human left open is open again, and the agent goes on in the same session
    var where = warren.post("/v1/browsers/" + id + "/actions/evaluate", "{\"expression\": \"location.href\"}");
    assertThat(where.json().path("value").asString()).isEqualTo(site.url("/login"));
    // the saved profile has the login: a reader session of it sees the cookie, while the writer still runs
    JsonNode reader = browser(Map.of("profile", "shop", "profileReadOnly", true, "egress", Map.of("allow", List.of(site.allow()))));
    var who = warren.post("/v1/browsers/" + reader.path("id").asString() + "/actions/navigate", TestWarren.json(Map.of("url",
        site.url("/whoami"))));
    assertThat(who.status()).isEqualTo(200);
    var text = warren.post("/v1/browsers/" + reader.path("id").asString() + "/actions/content", "{\"format\": \"text\"}");
    assertThat(text.json().path("content").asString()).contains("session=human-logged-in");
    warren.delete("/v1/browsers/" + reader.path("id").asString());
    warren.delete("/v1/browsers/" + id);
  }

  @Test
  void handoffsRefuseBadInputAndEndWithTheirSession() throws Exception {
    JsonNode b = browser(Map.of());
    String id = b.path("id").asString();
    String path = "/v1/browsers/" + id + "/handoffs";
    var none = warren.post(path, "{}");
    assertThat(none.status()).isEqualTo(400);
    assertThat(none.json().path("field").asString()).isEqualTo("reason");
    assertThat(warren.post(path, "{\"reason\": \"x\", \"urgent\": true}").json().path("field").asString()).isEqualTo("urgent");
    assertThat(warren.post("/v1/browsers/brw_" + "0".repeat(26) + "/handoffs", "{\"reason\": \"x\"}").status()).isEqualTo(404);
    JsonNode h = warren.post(path, "{\"reason\": \"solve the captcha\"}").json();
    String hid = h.path("id").asString();
    assertThat(warren.get(path + "/hnd_" + "0".repeat(26)).status()).isEqualTo(404);
    var badWait = warren.get(path + "/" + hid + "?waitSeconds=-1");
    assertThat(badWait.status()).isEqualTo(400);
    assertThat(badWait.json().path("field").asString()).isEqualTo("waitSeconds");
    assertThat(warren.get("/v1/handoffs?state=sleeping").json().path("field").asString()).isEqualTo("state");
    // a wait that times out answers with the state as it is
    long t0 = System.nanoTime();
    assertThat(warren.get(path + "/" + hid + "?waitSeconds=1").json().path("state").asString()).isEqualTo("waiting");
    assertThat((System.nanoTime() - t0) / 1_000_000).isGreaterThanOrEqualTo(900);
    // a view token cannot hand back
    String view = tokenOf(b.path("liveViewUrl").asString());
    var refused = warren.send("POST", path + "/" + hid + "/complete?token=" + view, HttpRequest.BodyPublishers.noBody(), Map.of(), null);
    assertThat(refused.status()).isEqualTo(403);
    assertThat(warren.get(path + "/" + hid).json().path("state").asString()).isEqualTo("waiting");
    var cancelled = warren.post(path + "/" + hid + "/cancel", "{\"reason\": \"the agent found another way\"}");
    assertThat(cancelled.json().path("state").asString()).isEqualTo("cancelled");
    assertThat(warren.post(path + "/" + hid + "/complete", "").status()).isEqualTo(409);
    // closing the session cancels what is still open
    String second = warren.post(path, "{\"reason\": \"one more\"}").json().path("id").asString();
    assertThat(second).isNotEqualTo(hid);
    CompletableFuture<JsonNode> waiting = CompletableFuture.supplyAsync(() -> warren.get(path + "/" + second + "?waitSeconds=60").json());
    assertThat(warren.delete("/v1/browsers/" + id).status()).isEqualTo(204);
    JsonNode ended = waiting.get(30, TimeUnit.SECONDS);
    assertThat(ended.path("state").asString()).isEqualTo("cancelled");
    assertThat(ended.path("detail").asString()).contains("closed");
    assertThat(warren.post(path, "{\"reason\": \"too late\"}").status()).isEqualTo(409);
  }
}
