package dev.warren.stream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.testing.TestWarren;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * The live-view WebSocket of a browser session spoken by a plain client: hello, frames paced by
 * acknowledgements, control taken over and announced, and every refusal (tokens, scopes, viewer
 * ids, malformed input) with its code and reason. One browser for the whole class.
 */
class LiveViewAccessTest {
  static TestWarren warren;
  static String id;

  @RegisterExtension
  static final LogOnFailure LOG = new LogOnFailure(() -> warren);

  @BeforeAll
  static void start() {
    TestWarren.ensureImage("browser");
    warren = TestWarren.start();
    var r = warren.post("/v1/browsers", "{}");
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    id = r.json().path("id").asString();
  }

  @AfterAll
  static void stop() {
    if (warren != null) {
      warren.delete("/v1/browsers?all=true");
      warren.close();
    }
  }

  static String mint(boolean control, int ttlSeconds) {
    var r = warren.post("/v1/browsers/" + id + "/live-view-url", "{\"control\": " + control + ", \"ttlSeconds\": " + ttlSeconds + "}");
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    return URI.create(r.json().path("url").asString()).getQuery().replace("token=", "");
  }

  static URI live(String browser, String viewer, String token) {
    return URI.create("ws://" + warren.base().getAuthority() + "/v1/browsers/" + browser + "/live?viewer=" + viewer
        + (token == null ? "" : "&token=" + token));
  }

  static void navigate(String url) {
    var r = warren.post("/v1/browsers/" + id + "/actions/navigate", TestWarren.json(Map.of("url", url)));
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
  }

  @Test
  void theBrowserOffersLiveViewUrlsThatWatchOrControl() {
    JsonNode b = warren.get("/v1/browsers/" + id).json();
    assertThat(b.path("liveViewUrl").asString()).startsWith(warren.base() + "/live/browsers/" + id + "?token=wst.");
    assertThat(b.path("liveControlUrl").asString()).startsWith(warren.base() + "/live/browsers/" + id + "?token=wst.");
    assertThat(b.path("liveViewUrl").asString()).isNotEqualTo(b.path("liveControlUrl").asString());
    var page = warren.send("GET", URI.create(b.path("liveViewUrl").asString()).getRawPath() + "?" + URI.create(b.path("liveViewUrl")
        .asString()).getRawQuery(), java.net.http.HttpRequest.BodyPublishers.noBody(), Map.of(), null);
    assertThat(page.status()).isEqualTo(200);
    assertThat(page.text()).contains("<canvas id=\"screen\"").contains("/live/live.js");
  }

  @Test
  void framesArePacedByAcknowledgementsWithoutABacklog() throws Exception {
    navigate("data:text/html," + URLEncoder.encode("<body style='margin:0'><script>let i=0;function f(){document.body.style.background="
        + "'hsl('+(i++%360)+',80%,50%)';requestAnimationFrame(f)}f()</script></body>", StandardCharsets.UTF_8).replace("+", "%20"));
    try (WsClient c = WsClient.open(live(id, "pacer", mint(false, 60)), false)) {
      JsonNode hello = c.await("hello", Duration.ofSeconds(20));
      assertThat(hello.path("target").asString()).isEqualTo(id);
      assertThat(hello.path("generation").asLong()).isEqualTo(warren.get("/v1/browsers/" + id).json().path("generation").asLong());
      assertThat(hello.path("viewer").asString()).isEqualTo("pacer");
      assertThat(hello.path("control").asString()).isEqualTo("view");
      assertThat(hello.path("viewport").path("width").asInt()).isEqualTo(1280);
      JsonNode first = c.await("frame", Duration.ofSeconds(10));
      assertThat(first.path("width").asInt()).isEqualTo(1280);
      assertThat(first.path("height").asInt()).isEqualTo(720);
      byte[] jpeg = java.util.Base64.getDecoder().decode(first.path("data").asString());
      assertThat(jpeg).startsWith(0xff, 0xd8);
      // the page animates, yet nothing more comes until the frame is acknowledged
      Thread.sleep(1500);
      assertThat(c.messages.stream().filter(m -> m.path("type").asString().equals("frame")).count()).isZero();
      c.send("{\"type\":\"ack\",\"seq\":" + first.path("seq").asLong() + "}");
      JsonNode next = c.await("frame", Duration.ofSeconds(5));
      // the newest frame, not the one after the first: those in between were dropped
      assertThat(next.path("seq").asLong()).isGreaterThan(first.path("seq").asLong() + 1);
    }
  }

  @Test
  void aSecondViewerTakesControlAndTheFirstIsTold() throws Exception {
    String token = mint(true, 300);
    try (WsClient a = WsClient.open(live(id, "first", token), true); WsClient b = WsClient.open(live(id, "second", token), true)) {
      a.await("hello", Duration.ofSeconds(20));
      b.await("hello", Duration.ofSeconds(20));
      a.send("{\"type\":\"take-control\"}");
      assertThat(a.await(m -> m.path("type").asString().equals("control") && m.path("holder").asString().equals("first"), Duration.ofSeconds(5),
          "control to first")).isNotNull();
      b.send("{\"type\":\"take-control\"}");
      JsonNode told = a.await(m -> m.path("type").asString().equals("control") && m.path("holder").asString().equals("second"),
          Duration.ofSeconds(5), "control to second, told to first");
      assertThat(told.path("previous").asString()).isEqualTo("first");
      a.send("{\"type\":\"mouse\",\"event\":\"down\",\"x\":10,\"y\":10}");
      assertThat(a.await("error", Duration.ofSeconds(5)).path("code").asString()).isEqualTo("not-holder");
      JsonNode viewers = warren.get("/v1/browsers/" + id + "/viewers").json();
      assertThat(viewers.path("holder").asString()).isEqualTo("second");
      assertThat(viewers.path("viewers").toString()).contains("\"first\"").contains("\"second\"");
      // malformed input from the holder is answered, naming the field, and the socket stays
      b.send("{\"type\":\"mouse\",\"event\":\"down\",\"x\":-5,\"y\":1}");
      assertThat(b.await("error", Duration.ofSeconds(5)).path("message").asString()).contains("mouse.x");
      b.send("{\"type\":\"key\",\"event\":\"sideways\"}");
      assertThat(b.await("error", Duration.ofSeconds(5)).path("message").asString()).contains("key.event");
      b.send("not json");
      assertThat(b.await("error", Duration.ofSeconds(5)).path("code").asString()).isEqualTo("bad-message");
      b.send("{\"type\":\"release-control\"}");
      assertThat(a.await(m -> m.path("type").asString().equals("control") && m.path("holder").isNull(), Duration.ofSeconds(5),
          "control released")).isNotNull();
      assertThat(b.closed).isNotDone();
    }
  }

  @Test
  void aViewTokenCannotTakeControlNorOpenCdp() throws Exception {
    String view = mint(false, 300);
    try (WsClient c = WsClient.open(live(id, "watcher", view), true)) {
      c.await("hello", Duration.ofSeconds(20));
      c.send("{\"type\":\"take-control\"}");
      JsonNode e = c.await("error", Duration.ofSeconds(5));
      assertThat(e.path("code").asString()).isEqualTo("forbidden");
      assertThat(e.path("message").asString()).contains("view-only");
      c.send("{\"type\":\"paste\",\"text\":\"x\"}");
      assertThat(c.await("error", Duration.ofSeconds(5)).path("code").asString()).isEqualTo("forbidden");
    }
    for (String t : new String[] {view, mint(true, 300)}) {
      var r = warren.send("GET", "/v1/browsers/" + id + "/json/version?token=" + t, java.net.http.HttpRequest.BodyPublishers.noBody(), Map.of(),
          null);
      assertThat(r.status()).as("a live token on CDP: %s", r).isEqualTo(403);
      assertThat(r.json().path("type").asString()).endsWith("/forbidden");
    }
    // and a CDP token does not open a live view
    String cdp = URI.create(warren.get("/v1/browsers/" + id).json().path("cdpUrl").asString()).getQuery().replace("token=", "");
    try (WsClient c = WsClient.open(live(id, "cdp-token", cdp), true)) {
      WsClient.Closed closed = c.awaitClose(Duration.ofSeconds(10));
      assertThat(closed.code()).isEqualTo(4003);
      assertThat(closed.reason()).contains("not valid");
    }
  }

  @Test
  void aRestartMovesViewersOnAndAStoppedSandboxStopsThem() throws Exception {
    JsonNode b = warren.get("/v1/browsers/" + id).json();
    long gen = b.path("generation").asLong();
    String sandbox = b.path("sandboxId").asString();
    String token = mint(false, 300);
    try (WsClient c = WsClient.open(live(id, "restarts", token), true)) {
      c.await("hello", Duration.ofSeconds(20));
      assertThat(warren.post("/v1/browsers/" + id + "/restart", "{}").json().path("generation").asLong()).isEqualTo(gen + 1);
      WsClient.Closed closed = c.awaitClose(Duration.ofSeconds(20));
      assertThat(closed.code()).isEqualTo(4001);
      assertThat(closed.reason()).contains("generation " + gen + " -> " + (gen + 1)).contains("restarted through the API");
      // the whole reason came first, in a closing message
      assertThat(c.await("closing", Duration.ofSeconds(1)).path("code").asInt()).isEqualTo(4001);
    }
    try (WsClient c = WsClient.open(live(id, "restarts", token), true)) {
      assertThat(c.await("hello", Duration.ofSeconds(20)).path("generation").asLong()).isEqualTo(gen + 1);
      c.await("frame", Duration.ofSeconds(10));
      assertThat(warren.post("/v1/sandboxes/" + sandbox + "/stop", "{}").status()).isEqualTo(200);
      WsClient.Closed closed = c.awaitClose(Duration.ofSeconds(20));
      assertThat(closed.code()).isEqualTo(4409);
      assertThat(closed.reason()).contains("stopped");
    }
    JsonNode crashed = warren.get("/v1/browsers/" + id).json();
    assertThat(crashed.path("state").asString()).isEqualTo("crashed");
    assertThat(crashed.path("stateReason").asString()).contains("start the sandbox");
    try (WsClient c = WsClient.open(live(id, "restarts", token), true)) {
      assertThat(c.awaitClose(Duration.ofSeconds(10)).code()).isEqualTo(4409);
    }
    // starting the sandbox brings Chromium back as the next generation
    assertThat(warren.post("/v1/sandboxes/" + sandbox + "/start", "{}").status()).isEqualTo(200);
    JsonNode back = warren.get("/v1/browsers/" + id).json();
    assertThat(back.path("state").asString()).isEqualTo("ready");
    assertThat(back.path("generation").asLong()).isEqualTo(gen + 2);
    try (WsClient c = WsClient.open(live(id, "restarts", token), true)) {
      assertThat(c.await("hello", Duration.ofSeconds(20)).path("generation").asLong()).isEqualTo(gen + 2);
      c.await("frame", Duration.ofSeconds(10));
    }
  }

  @Test
  void refusalsCloseWithACodeAndAReason() throws Exception {
    String expiring = mint(true, 1);
    String view = mint(false, 300);
    assertClose(live(id, "nobody", null), 4003, "no token");
    assertClose(live(id, "bad/id", view), 4000, "bad viewer id");
    assertClose(live(id, "x".repeat(65), view), 4000, "bad viewer id");
    String other = "brw_" + "0".repeat(26);
    assertClose(live(other, "v", view), 4003, "not valid for the live view of " + other);
    assertClose(live(other, "v", warren.token()), 4004, "no browser session");
    TimeUnit.MILLISECONDS.sleep(2200);
    assertClose(live(id, "late", expiring), 4003, "expired");
    var page = warren.send("GET", "/live/browsers/" + id + "?token=" + expiring, java.net.http.HttpRequest.BodyPublishers.noBody(), Map.of(),
        null);
    assertThat(page.status()).isEqualTo(401);
    assertThat(page.text()).contains("expired");
    assertThat(warren.send("GET", "/live/browsers/" + id + "?token=garbage", java.net.http.HttpRequest.BodyPublishers.noBody(), Map.of(),
        null).status()).isEqualTo(401);
    var bad = warren.post("/v1/browsers/" + id + "/live-view-url", "{\"ttlSeconds\": 0}");
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.json().path("field").asString()).isEqualTo("ttlSeconds");
    assertThat(warren.post("/v1/browsers/" + id + "/live-view-url", "{\"scope\": \"all\"}").json().path("field").asString()).isEqualTo("scope");
    assertThat(warren.post("/v1/browsers/" + other + "/live-view-url", "{}").status()).isEqualTo(404);
    var noAuth = warren.send("POST", "/v1/browsers/" + id + "/live-view-url", java.net.http.HttpRequest.BodyPublishers.ofString("{}"),
        Map.of(), view);
    assertThat(noAuth.status()).as("a live token cannot mint live tokens").isEqualTo(401);
  }

  private static void assertClose(URI uri, int code, String reason) throws Exception {
    try (WsClient c = WsClient.open(uri, true)) {
      WsClient.Closed closed = c.awaitClose(Duration.ofSeconds(10));
      assertThat(closed.code()).as("close of %s", uri).isEqualTo(code);
      assertThat(closed.reason()).as("close reason of %s", uri).contains(reason);
    }
  }
}
