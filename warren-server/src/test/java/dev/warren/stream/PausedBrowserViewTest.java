package dev.warren.stream;

import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import dev.warren.testing.HostState;
import dev.warren.testing.TestWarren;
import java.net.URI;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * A viewer resumes a paused browser: the live page (a real Chromium, Playwright, showing the CDP
 * screencast of a headless browser) and a VNC viewer of a headed browser's desktop each thaw the
 * frozen sandbox and get frames, and the screencast goes on following the page.
 */
class PausedBrowserViewTest {
  static TestWarren warren;
  static LiveSite site;
  static Playwright playwright;
  static Browser chromium;

  @RegisterExtension
  static final LogOnFailure LOG = new LogOnFailure(() -> warren);

  @BeforeAll
  static void start() throws Exception {
    TestWarren.ensureImage("browser");
    warren = TestWarren.start();
    site = new LiveSite();
    playwright = Playwright.create(new Playwright.CreateOptions().setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
    chromium = playwright.chromium().launch(new BrowserType.LaunchOptions().setExecutablePath(Paths.get("/usr/bin/chromium")));
  }

  @AfterAll
  static void stop() {
    if (chromium != null) {
      chromium.close();
    }
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

  static JsonNode create(String json) {
    var r = warren.post("/v1/browsers", json);
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    return r.json();
  }

  static void pause(String id, String sandbox) {
    var r = warren.post("/v1/browsers/" + id + "/pause", null);
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    assertThat(r.json().path("paused").asBoolean()).isTrue();
    assertThat(HostState.frozen(sandbox)).isTrue();
  }

  @Test
  void aLiveViewerResumesAPausedBrowserAndItsScreencastFollowsThePage() {
    JsonNode b = create(TestWarren.json(Map.of("egress", Map.of("allow", List.of(site.allow())))));
    String id = b.path("id").asString();
    String sandbox = b.path("sandboxId").asString();
    pause(id, sandbox);
    try (BrowserContext ctx = chromium.newContext(new Browser.NewContextOptions().setViewportSize(1400, 900))) {
      Page page = ctx.newPage();
      page.navigate(b.path("liveViewUrl").asString());
      page.waitForFunction("() => window.warrenLive && window.warrenLive.frames > 0", null, new Page.WaitForFunctionOptions().setTimeout(30_000));
      assertThat(warren.get("/v1/browsers/" + id).json().path("paused").asBoolean()).isFalse();
      assertThat(HostState.frozen(sandbox)).isFalse();
      // the stream goes on: the page changes and new frames come
      int frames = ((Number) page.evaluate("window.warrenLive.frames")).intValue();
      var nav = warren.post("/v1/browsers/" + id + "/actions/navigate", TestWarren.json(Map.of("url", site.url("/"))));
      assertThat(nav.status()).as(nav.toString()).isEqualTo(200);
      page.waitForFunction("n => window.warrenLive.frames > n", frames, new Page.WaitForFunctionOptions().setTimeout(20_000));
    }
    assertThat(warren.get("/v1/browsers/" + id).json().path("generation").asLong()).isEqualTo(1);
    warren.delete("/v1/browsers/" + id);
  }

  @Test
  void aVncViewerResumesAPausedHeadedBrowserAndGetsItsScreen() throws Exception {
    JsonNode b = create("{\"headless\": false, \"viewport\": {\"width\": 800, \"height\": 600}}");
    String id = b.path("id").asString();
    String sandbox = b.path("sandboxId").asString();
    pause(id, sandbox);
    String token = URI.create(warren.post("/v1/sandboxes/" + sandbox + "/vnc-url", "{}").json().path("url").asString()).getQuery()
        .replace("token=", "");
    URI vnc = URI.create("ws://" + warren.base().getAuthority() + "/v1/sandboxes/" + sandbox + "/vnc?token=" + token);
    try (WsClient ws = WsClient.open(vnc, false)) {
      int[] r = DesktopVncTest.firstFrame(ws, 800, 600);
      assertThat(r[2] * r[3]).isPositive();
    }
    JsonNode after = warren.get("/v1/browsers/" + id).json();
    assertThat(after.path("paused").asBoolean()).isFalse();
    assertThat(after.path("state").asString()).isEqualTo("ready");
    assertThat(HostState.frozen(sandbox)).isFalse();
    assertThat(warren.get("/v1/events?subject=" + id).text()).contains("browser.paused", "browser.resumed");
    warren.delete("/v1/browsers/" + id);
  }
}
