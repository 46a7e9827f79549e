package dev.warren.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import dev.warren.testing.HostState;
import dev.warren.testing.OutsideHost;
import dev.warren.testing.TestWarren;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Browser sessions driven by Playwright over CDP through Warren. */
class BrowserSessionTest {
  static TestWarren warren;
  static TestSite site;
  static Playwright playwright;

  @BeforeAll
  static void start() throws Exception {
    TestWarren.ensureImage("browser");
    warren = TestWarren.start(Map.of("WARREN_IDLE_CHECK_INTERVAL", "1s"));
    site = new TestSite();
    playwright = Playwright.create(new Playwright.CreateOptions().setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
  }

  @AfterAll
  static void stop() {
    if (playwright != null) {
      playwright.close();
    }
    if (site != null) {
      site.close();
    }
    if (warren != null) {
      warren.delete("/v1/browsers?all=true");
      warren.close();
    }
  }

  static JsonNode create(Map<String, Object> body) {
    var r = warren.post("/v1/browsers", TestWarren.json(body));
    assertThat(r.status()).as(r.toString()).isIn(200, 201);
    return r.json();
  }

  static Browser connect(JsonNode session) {
    return playwright.chromium().connectOverCDP(session.path("cdpUrl").asString(),
        new BrowserType.ConnectOverCDPOptions().setTimeout(30_000));
  }

  @Test
  void playwrightDrivesAPageReachedThroughTheEgressProxy() {
    JsonNode s = create(Map.of("egress", Map.of("allow", List.of(site.allow()))));
    assertThat(s.path("state").asString()).isEqualTo("ready");
    assertThat(s.path("cdpUrl").asString()).startsWith("ws://").contains("/v1/browsers/" + s.path("id").asString() + "/cdp?token=");
    try (Browser browser = connect(s)) {
      Page page = browser.contexts().getFirst().newPage();
      page.navigate(site.url("/"));
      assertThat(page.title()).isEqualTo("Warren test page");
      page.click("#go");
      assertThat(page.textContent("#greeting")).isEqualTo("clicked 2");
      page.fill("#name", "warren");
      assertThat(page.inputValue("#name")).isEqualTo("warren");
    }
    JsonNode egress = warren.get("/v1/sandboxes/" + s.path("sandboxId").asString() + "/egress").json().path("events");
    assertThat(egress.toString()).contains(OutsideHost.shared().host()).contains("\"allowed\":true");
    assertThat(warren.delete("/v1/browsers/" + s.path("id").asString()).status()).isEqualTo(204);
  }

  @Test
  void simpleActionsDriveAPageWithoutCdp() {
    JsonNode s = create(Map.of("egress", Map.of("allow", List.of(site.allow()))));
    String a = "/v1/browsers/" + s.path("id").asString() + "/actions/";
    JsonNode nav = warren.post(a + "navigate", TestWarren.json(Map.of("url", site.url("/")))).json();
    assertThat(nav.path("title").asString()).isEqualTo("Warren test page");
    assertThat(warren.post(a + "waitFor", "{\"selector\": \"#go\"}").json().path("found").asBoolean()).isTrue();
    assertThat(warren.post(a + "waitFor", "{\"selector\": \"#missing\", \"timeoutSeconds\": 1}").json().path("found").asBoolean()).isFalse();
    assertThat(warren.post(a + "click", "{\"selector\": \"#go\"}").status()).isEqualTo(200);
    assertThat(warren.post(a + "type", "{\"selector\": \"#name\", \"text\": \"héllo \\\"typed\\\"\"}").status()).isEqualTo(200);
    JsonNode value = warren.post(a + "evaluate", "{\"expression\": \"[document.querySelector('#greeting').textContent, "
        + "document.querySelector('#name').value]\"}").json().path("value");
    assertThat(value.get(0).asString()).isEqualTo("clicked 2");
    assertThat(value.get(1).asString()).isEqualTo("héllo \"typed\"");
    assertThat(warren.post(a + "content", "{\"format\": \"text\"}").json().path("content").asString()).contains("clicked 2");
    assertThat(warren.post(a + "content", "{\"format\": \"html\"}").json().path("content").asString()).contains("<button id=\"go\"");
    byte[] png = warren.post(a + "screenshot", "{}").body();
    assertThat(png).startsWith(0x89, 'P', 'N', 'G');
    byte[] pdf = warren.post(a + "pdf", "{}").body();
    assertThat(new String(pdf, 0, 4, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("%PDF");
    // a script that never settles ends at its timeout with a 409 that says so, not a 500
    var hung = warren.post(a + "evaluate", "{\"expression\": \"new Promise(() => {})\", \"timeoutSeconds\": 1}");
    assertThat(hung.status()).as(hung.toString()).isEqualTo(409);
    assertThat(hung.json().path("detail").asString()).contains("Runtime.evaluate").contains("no answer within 1000 ms");
    var bad = warren.post(a + "navigate", "{\"url\": \"file:///etc/passwd\"}");
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.json().path("field").asString()).isEqualTo("url");
    warren.delete("/v1/browsers/" + s.path("id").asString());
  }

  @Test
  void theSameKeyReturnsTheSameSessionWhileItLives() {
    JsonNode first = create(Map.of("key", "agent-42:run-7"));
    var again = warren.post("/v1/browsers", TestWarren.json(Map.of("key", "agent-42:run-7")));
    assertThat(again.status()).isEqualTo(200);
    assertThat(again.json().path("id").asString()).isEqualTo(first.path("id").asString());
    JsonNode other = create(Map.of("key", "agent-42:run-8"));
    assertThat(other.path("id").asString()).isNotEqualTo(first.path("id").asString());
    var closed = warren.call("DELETE", "/v1/browsers?keyPrefix=agent-42:", null);
    assertThat(closed.json().path("closed").asInt()).isEqualTo(2);
    JsonNode fresh = create(Map.of("key", "agent-42:run-7"));
    assertThat(fresh.path("id").asString()).isNotEqualTo(first.path("id").asString());
    warren.delete("/v1/browsers/" + fresh.path("id").asString());
  }

  @Test
  void aRetriedCreateWithTheSameIdempotencyKeyGetsTheSameSession() {
    String body = TestWarren.json(Map.of("idleTimeoutSeconds", 600));
    Map<String, String> key = Map.of("Content-Type", "application/json", "Idempotency-Key", "retry-" + System.nanoTime());
    var first = warren.send("POST", "/v1/browsers", java.net.http.HttpRequest.BodyPublishers.ofString(body), key, warren.token());
    assertThat(first.status()).as(first.toString()).isEqualTo(201);
    var retried = warren.send("POST", "/v1/browsers", java.net.http.HttpRequest.BodyPublishers.ofString(body), key, warren.token());
    assertThat(retried.status()).isEqualTo(201);
    assertThat(retried.json().path("id").asString()).isEqualTo(first.json().path("id").asString());
    var different = warren.send("POST", "/v1/browsers", java.net.http.HttpRequest.BodyPublishers.ofString("{}"), key, warren.token());
    assertThat(different.status()).isEqualTo(409);
    assertThat(different.json().path("detail").asString()).contains("was used for a different request");
    assertThat(warren.get("/v1/browsers").json().path("browsers").size()).isEqualTo(1);
    warren.delete("/v1/browsers/" + first.json().path("id").asString());
  }

  @Test
  void anIdleSessionIsClosedAndLeavesNothingBehind() {
    JsonNode s = create(Map.of("idleTimeoutSeconds", 2));
    String id = s.path("id").asString();
    String sandbox = s.path("sandboxId").asString();
    await().atMost(Duration.ofSeconds(20)).until(() -> warren.get("/v1/browsers/" + id).json().path("state").asString().equals("closed"));
    assertThat(warren.get("/v1/browsers/" + id).json().path("stateReason").asString()).contains("idle for");
    assertThat(warren.get("/v1/sandboxes/" + sandbox).status()).isEqualTo(404);
    assertThat(HostState.leftoversOf(sandbox)).isEmpty();
  }

  @Test
  void aLoggedInProfileIsStillLoggedInForTheNextSession() {
    JsonNode a = create(Map.of("profile", "shop-login", "egress", Map.of("allow", List.of(site.allow()))));
    try (Browser browser = connect(a)) {
      Page page = browser.contexts().getFirst().newPage();
      page.navigate(site.url("/login"));
      assertThat(page.title()).isEqualTo("Logged in");
    }
    assertThat(warren.delete("/v1/browsers/" + a.path("id").asString()).status()).isEqualTo(204);
    JsonNode profile = warren.get("/v1/profiles/shop-login").json();
    assertThat(profile.path("sizeBytes").asLong()).isPositive();
    assertThat(profile.path("inUseBy").isNull()).isTrue();

    JsonNode b = create(Map.of("profile", "shop-login", "egress", Map.of("allow", List.of(site.allow()))));
    try (Browser browser = connect(b)) {
      Page page = browser.contexts().getFirst().newPage();
      page.navigate(site.url("/whoami"));
      assertThat(page.textContent("#who")).contains("session=agent-logged-in");
    }
    warren.delete("/v1/browsers/" + b.path("id").asString());
  }

  @Test
  void aProfileHasOneWriterAtATime() {
    JsonNode writer = create(Map.of("profile", "shared"));
    var second = warren.post("/v1/browsers", TestWarren.json(Map.of("profile", "shared")));
    assertThat(second.status()).isEqualTo(409);
    assertThat(second.json().path("detail").asString()).contains("profileReadOnly");
    JsonNode reader = create(Map.of("profile", "shared", "profileReadOnly", true));
    assertThat(reader.path("state").asString()).isEqualTo("ready");
    warren.delete("/v1/browsers/" + writer.path("id").asString());
    warren.delete("/v1/browsers/" + reader.path("id").asString());
    JsonNode next = create(Map.of("profile", "shared"));
    warren.delete("/v1/browsers/" + next.path("id").asString());
  }
}
