package dev.warren.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import dev.warren.stream.LiveSite;
import dev.warren.testing.HostState;
import dev.warren.testing.TestWarren;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * Paused browsers on real crun and a real Chromium, reached by Playwright over Warren's CDP proxy:
 * an idle browser with {@code idleAction: "pause"} is frozen instead of closed, neither the watch
 * nor the reaper takes the frozen Chromium for a dead one, and whatever reaches it (a CDP
 * connection, a client that stayed connected, a DevTools HTTP call, a create with its key) resumes
 * it with its pages, cookies and storage as they were; a pause outlives a {@code kill -9} of the
 * controller. The reaper looks every second.
 */
class BrowserPauseTest {
  static TestWarren warren;
  static LiveSite site;
  static Playwright pw;

  @RegisterExtension
  static final dev.warren.stream.LogOnFailure LOG = new dev.warren.stream.LogOnFailure(() -> warren);

  @BeforeAll
  static void start() throws Exception {
    TestWarren.ensureImage("browser");
    warren = TestWarren.start(Map.of("WARREN_IDLE_CHECK_INTERVAL", "1s"));
    site = new LiveSite();
    pw = BrowserDurabilityTest.playwright();
  }

  @AfterAll
  static void stop() {
    if (pw != null) {
      pw.close();
    }
    if (site != null) {
      site.close();
    }
    if (warren != null) {
      warren.delete("/v1/browsers?all=true");
      warren.close();
    }
  }

  static JsonNode browser(String id) {
    return warren.get("/v1/browsers/" + id).json();
  }

  /** The page the session shows (its first), over a fresh CDP connection. */
  static Object onPage(String cdpUrl, String expression) {
    try (Browser b = pw.chromium().connectOverCDP(cdpUrl, new BrowserType.ConnectOverCDPOptions().setTimeout(30_000))) {
      Page page = b.contexts().getFirst().pages().getFirst();
      return page.evaluate(expression);
    }
  }

  /** Logs in on the site (a cookie), and leaves local storage and a mark in the page. */
  static void leaveState(String cdpUrl, String mark) {
    try (Browser b = pw.chromium().connectOverCDP(cdpUrl, new BrowserType.ConnectOverCDPOptions().setTimeout(30_000))) {
      Page page = b.contexts().getFirst().pages().getFirst();
      page.navigate(site.url("/login"));
      page.evaluate("m => { localStorage.setItem('left', m); window.__mark = m; }", mark);
    }
  }

  static void assertStateKept(String cdpUrl, String mark) {
    assertThat(onPage(cdpUrl, "window.__mark")).isEqualTo(mark);
    assertThat(onPage(cdpUrl, "localStorage.getItem('left')")).isEqualTo(mark);
    assertThat((String) onPage(cdpUrl, "document.cookie")).contains("session=human-logged-in");
  }

  static long events(String id, String type) {
    JsonNode e = warren.get("/v1/events?subject=" + id).json();
    int n = 0;
    for (JsonNode ev : e.path("events")) {
      n += ev.path("kind").asString().equals(type) ? 1 : 0;
    }
    return n;
  }

  @Test
  void anIdleBrowserWithThePauseActionIsFrozenOutlivesItsCloseAndTheNextCdpClientFindsItsPageAsItLeftIt() throws Exception {
    JsonNode s = BrowserDurabilityTest.create(warren, Map.of("idleAction", "pause", "idleTimeoutSeconds", 3,
        "egress", Map.of("allow", List.of(site.allow()))));
    String id = s.path("id").asString();
    String sandbox = s.path("sandboxId").asString();
    assertThat(s.path("idleAction").asString()).isEqualTo("pause");
    assertThat(s.path("paused").asBoolean()).isFalse();
    leaveState(s.path("cdpUrl").asString(), "before-the-pause");

    await().atMost(Duration.ofSeconds(30)).until(() -> browser(id).path("paused").asBoolean());
    assertThat(HostState.frozen(sandbox)).isTrue();
    long cpu = HostState.cpuNanos(sandbox);
    // past the point where the idle timeout closed it, with the reaper probing every second: not closed, not restarted
    Thread.sleep(6_000);
    assertThat(HostState.cpuNanos(sandbox) - cpu).as("CPU Chromium used while paused, ns").isLessThan(1_000_000);
    JsonNode paused = browser(id);
    assertThat(paused.path("state").asString()).as(paused.toString()).isEqualTo("ready");
    assertThat(paused.path("paused").asBoolean()).isTrue();
    assertThat(paused.path("generation").asLong()).isEqualTo(1);
    assertThat(warren.get("/v1/sandboxes/" + sandbox).json().path("state").asString()).isEqualTo("paused");
    assertThat(warren.get("/v1/events?subject=" + id).text()).contains("browser.paused").doesNotContain("browser.crashed")
        .doesNotContain("browser.restarted").doesNotContain("browser.closed");

    // a new CDP client resumes it first, and finds the page, its cookie and its storage as they were
    assertStateKept(paused.path("cdpUrl").asString(), "before-the-pause");
    JsonNode resumed = browser(id);
    assertThat(resumed.path("paused").asBoolean()).isFalse();
    assertThat(resumed.path("generation").asLong()).isEqualTo(1);
    assertThat(HostState.frozen(sandbox)).isFalse();
    assertThat(events(id, "browser.resumed")).isPositive();
    warren.delete("/v1/browsers/" + id);
  }

  @Test
  void aClientThatStayedConnectedThroughThePauseResumesItWithItsNextCall() throws Exception {
    JsonNode s = BrowserDurabilityTest.create(warren, Map.of("idleAction", "pause", "idleTimeoutSeconds", 2));
    String id = s.path("id").asString();
    try (Browser b = pw.chromium().connectOverCDP(s.path("cdpUrl").asString(), new BrowserType.ConnectOverCDPOptions().setTimeout(30_000))) {
      Page page = b.contexts().getFirst().pages().getFirst();
      page.evaluate("window.__kept = 7");
      await().atMost(Duration.ofSeconds(30)).until(() -> browser(id).path("paused").asBoolean());
      assertThat(HostState.frozen(s.path("sandboxId").asString())).isTrue();
      // the same connection, silent through the pause: its next message thaws Chromium on its way
      assertThat(page.evaluate("window.__kept + 1")).isEqualTo(8);
    }
    assertThat(browser(id).path("generation").asLong()).isEqualTo(1);
    warren.delete("/v1/browsers/" + id);
  }

  @Test
  void pauseAndResumeThroughTheApiTheSandboxAndTheDevtoolsEndpointsAndAKeyedCreate() {
    JsonNode s = BrowserDurabilityTest.create(warren, Map.of("key", "pausable"));
    String id = s.path("id").asString();
    String sandbox = s.path("sandboxId").asString();
    assertThat(s.path("idleAction").asString()).as("the default keeps closing").isEqualTo("close");

    var paused = warren.post("/v1/browsers/" + id + "/pause", null);
    assertThat(paused.status()).as(paused.toString()).isEqualTo(200);
    assertThat(paused.json().path("paused").asBoolean()).isTrue();
    assertThat(HostState.frozen(sandbox)).isTrue();
    // the DevTools HTTP endpoints resume it
    var version = warren.get("/v1/browsers/" + id + "/json/version");
    assertThat(version.status()).as(version.toString()).isEqualTo(200);
    assertThat(version.json().path("Browser").asString()).contains("Chrome");
    assertThat(browser(id).path("paused").asBoolean()).isFalse();

    // the sandbox's own pause is the browser's now (it was 409), and its resume too
    var viaSandbox = warren.post("/v1/sandboxes/" + sandbox + "/pause", null);
    assertThat(viaSandbox.status()).as(viaSandbox.toString()).isEqualTo(200);
    assertThat(viaSandbox.json().path("state").asString()).isEqualTo("paused");
    assertThat(browser(id).path("paused").asBoolean()).isTrue();
    // a create with its key answers the same browser, resumed
    JsonNode again = BrowserDurabilityTest.create(warren, Map.of("key", "pausable"));
    assertThat(again.path("id").asString()).isEqualTo(id);
    assertThat(again.path("paused").asBoolean()).isFalse();
    assertThat(HostState.frozen(sandbox)).isFalse();

    assertThat(warren.post("/v1/browsers/" + id + "/pause", null).status()).isEqualTo(200);
    var resumed = warren.post("/v1/browsers/" + id + "/resume", null);
    assertThat(resumed.status()).isEqualTo(200);
    assertThat(resumed.json().path("paused").asBoolean()).isFalse();
    assertThat(onPage(resumed.json().path("cdpUrl").asString(), "1 + 1")).isEqualTo(2);
    assertThat(browser(id).path("generation").asLong()).isEqualTo(1);
    warren.delete("/v1/browsers/" + id);
  }

  @Test
  void theJavaSdkAsksForThePauseActionAndPausesAndResumes() {
    try (dev.warren.client.Warren sdk = warren.sdk();
         dev.warren.client.Browser b = sdk.browsers().create(dev.warren.client.BrowserSpec.builder()
             .idleAction(dev.warren.client.BrowserSpec.IdleAction.PAUSE).idleTimeout(Duration.ofMinutes(5))
             .pausedTimeout(Duration.ofHours(1)).build())) {
      assertThat(b.info().idleAction()).isEqualTo(dev.warren.client.BrowserSpec.IdleAction.PAUSE);
      assertThat(b.info().pausedTimeout()).contains(Duration.ofHours(1));
      assertThat(b.info().paused()).isFalse();
      assertThat(b.pause().paused()).isTrue();
      assertThat(HostState.frozen(b.info().sandboxId().orElseThrow())).isTrue();
      assertThat(b.resume().paused()).isFalse();
      assertThat(b.actions().evaluate("6 * 7")).isEqualTo(42L);
    }
  }

  @Test
  void aPausedBrowserIdlePastItsPausedTimeoutIsClosed() {
    JsonNode s = BrowserDurabilityTest.create(warren, Map.of("idleAction", "pause", "idleTimeoutSeconds", 1, "pausedTimeoutSeconds", 3));
    String id = s.path("id").asString();
    assertThat(s.path("pausedTimeoutSeconds").asLong()).isEqualTo(3);
    await().atMost(Duration.ofSeconds(30)).until(() -> browser(id).path("paused").asBoolean());
    await().atMost(Duration.ofSeconds(30)).until(() -> browser(id).path("state").asString().equals("closed"));
    assertThat(browser(id).path("stateReason").asString()).contains("pausedTimeoutSeconds 3");
  }

  @Test
  void anUnknownIdleActionOrABadPausedTimeoutIsRefusedNamingTheField() {
    var bad = warren.post("/v1/browsers", "{\"idleAction\": \"sleep\"}");
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.json().path("field").asString()).isEqualTo("idleAction");
    assertThat(bad.json().path("detail").asString()).contains("\"close\" or \"pause\"").contains("sleep");
    var timeout = warren.post("/v1/browsers", "{\"pausedTimeoutSeconds\": -1}");
    assertThat(timeout.status()).isEqualTo(400);
    assertThat(timeout.json().path("field").asString()).isEqualTo("pausedTimeoutSeconds");
    // a browser that is not ready cannot be paused
    assertThat(warren.post("/v1/browsers/brw_01JZZZZZZZZZZZZZZZZZZZZZZZ/pause", null).status()).isEqualTo(404);
  }

  @Test
  void aPausedBrowserStaysPausedAcrossAKillNineOfTheControllerAndTheNextCdpConnectionResumesIt() throws Exception {
    JsonNode s = BrowserDurabilityTest.create(warren, Map.of("key", "paused-across", "egress", Map.of("allow", List.of(site.allow()))));
    String id = s.path("id").asString();
    String sandbox = s.path("sandboxId").asString();
    leaveState(s.path("cdpUrl").asString(), "across-the-restart");
    assertThat(warren.post("/v1/browsers/" + id + "/pause", null).status()).isEqualTo(200);

    warren.kill9AndRestart();
    JsonNode after = browser(id);
    assertThat(after.path("state").asString()).as(after.toString()).isEqualTo("ready");
    assertThat(after.path("paused").asBoolean()).isTrue();
    assertThat(HostState.frozen(sandbox)).isTrue();
    // the new controller's reaper and watch leave it alone
    Thread.sleep(4_000);
    assertThat(browser(id).path("paused").asBoolean()).isTrue();
    assertThat(browser(id).path("generation").asLong()).isEqualTo(1);
    assertThat(HostState.frozen(sandbox)).isTrue();

    assertStateKept(browser(id).path("cdpUrl").asString(), "across-the-restart");
    assertThat(browser(id).path("paused").asBoolean()).isFalse();
    assertThat(browser(id).path("generation").asLong()).isEqualTo(1);
    warren.delete("/v1/browsers/" + id);
  }
}
