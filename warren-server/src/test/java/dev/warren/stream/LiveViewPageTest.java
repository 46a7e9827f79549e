package dev.warren.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.options.BoundingBox;
import dev.warren.testing.TestWarren;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.ServerSocket;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * The live page of a browser session in a real Chromium (Playwright, the system's Chromium) watching
 * a real browser session: the pixels it shows, a click that reaches the page, four sandbox
 * restarts in a row followed without a reload, a takeover by a second viewer, and a controller
 * restart. One browser session and one local Chromium for the class.
 */
class LiveViewPageTest {
  static TestWarren warren;
  static LiveSite site;
  static Playwright playwright;
  static Browser chromium;
  static String id;
  static String sandbox;

  @RegisterExtension
  static final LogOnFailure LOG = new LogOnFailure(() -> warren);

  @BeforeAll
  static void start() throws Exception {
    TestWarren.ensureImage("browser");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    // a fixed port: the page reconnects to the same address after a controller restart
    warren = TestWarren.start(Map.of("WARREN_LISTEN", "127.0.0.1:" + port));
    site = new LiveSite();
    playwright = Playwright.create(new Playwright.CreateOptions().setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
    chromium = playwright.chromium().launch(new BrowserType.LaunchOptions().setExecutablePath(Paths.get("/usr/bin/chromium")));
    var r = warren.post("/v1/browsers", TestWarren.json(Map.of("egress", Map.of("allow", List.of(site.allow())))));
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    id = r.json().path("id").asString();
    sandbox = r.json().path("sandboxId").asString();
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

  static void navigateRemote(String path) {
    var r = warren.post("/v1/browsers/" + id + "/actions/navigate", TestWarren.json(Map.of("url", site.url(path))));
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
  }

  static String remote(String expression) {
    var r = warren.post("/v1/browsers/" + id + "/actions/evaluate", TestWarren.json(Map.of("expression", expression)));
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    return r.json().path("value").asString();
  }

  /** Opens the live page (control URL) as viewer {@code viewer} and waits for its first frame. */
  static Page openLive(BrowserContext context, String viewer) {
    JsonNode b = warren.get("/v1/browsers/" + id).json();
    Page page = context.newPage();
    page.navigate(b.path("liveControlUrl").asString() + "&viewer=" + viewer);
    page.waitForFunction("() => window.warrenLive && window.warrenLive.frames > 0", null,
        new Page.WaitForFunctionOptions().setTimeout(20_000));
    return page;
  }

  static BrowserContext context() {
    return chromium.newContext(new Browser.NewContextOptions().setViewportSize(1400, 900));
  }

  /** The colour the live page shows at a point of the remote page (CSS pixels). */
  static int[] pixel(Page page, int x, int y) throws Exception {
    BufferedImage img = ImageIO.read(new ByteArrayInputStream(page.locator("#screen").screenshot()));
    int w = ((Number) page.evaluate("window.warrenLive && document.getElementById('screen').width")).intValue();
    double scale = img.getWidth() / (double) w;
    int rgb = img.getRGB((int) Math.round(x * scale), (int) Math.round(y * scale));
    return new int[] {(rgb >> 16) & 0xff, (rgb >> 8) & 0xff, rgb & 0xff};
  }

  static boolean near(int[] rgb, int r, int g, int b) {
    return Math.abs(rgb[0] - r) < 40 && Math.abs(rgb[1] - g) < 40 && Math.abs(rgb[2] - b) < 40;
  }

  @Test
  void theLiveViewShowsTheLoadedPageAndInputInItReachesThePage() throws Exception {
    navigateRemote("/");
    try (BrowserContext ctx = context()) {
      Page page = openLive(ctx, "clicker");
      await().atMost(Duration.ofSeconds(10)).until(() -> near(pixel(page, 700, 500), 220, 20, 20));
      assertThat(pixel(page, LiveSite.BUTTON_X + 20, LiveSite.BUTTON_Y + 20)).satisfies(p -> assertThat(near(p, 20, 200, 20))
          .as("the green button, got %s", java.util.Arrays.toString(p)).isTrue());
      assertThat(page.isVisible("#take")).isTrue();
      page.click("#take");
      page.waitForFunction("() => window.warrenLive.holder === 'clicker'");
      BoundingBox box = page.locator("#screen").boundingBox();
      double scale = box.width / 1280.0;
      page.mouse().click(box.x + (LiveSite.BUTTON_X + 150) * scale, box.y + (LiveSite.BUTTON_Y + 100) * scale);
      await().atMost(Duration.ofSeconds(10)).until(() -> remote("document.title").equals("clicked"));
      // and the change shows in the live view
      await().atMost(Duration.ofSeconds(10)).until(() -> near(pixel(page, 700, 500), 20, 20, 220));
      // keys, text pasted, and the wheel
      page.mouse().click(box.x + (LiveSite.INPUT_X + 150) * scale, box.y + (LiveSite.INPUT_Y + 20) * scale);
      page.keyboard().type("Warren 42x");
      page.keyboard().press("Backspace");
      await().atMost(Duration.ofSeconds(10)).until(() -> remote("document.getElementById('name').value").equals("Warren 42"));
      page.evaluate("() => { const dt = new DataTransfer(); dt.setData('text/plain', ' and pasted'); "
          + "document.dispatchEvent(new ClipboardEvent('paste', {clipboardData: dt, bubbles: true})); }");
      await().atMost(Duration.ofSeconds(10)).until(() -> remote("document.getElementById('name').value").equals("Warren 42 and pasted"));
      page.mouse().move(box.x + 700 * scale, box.y + 500 * scale);
      page.mouse().wheel(0, 600);
      await().atMost(Duration.ofSeconds(10)).until(() -> !remote("String(window.scrollY)").equals("0"));
    }
  }

  @Test
  void theViewFollowsFourSandboxRestartsInARowWithoutAReload() throws Exception {
    try (BrowserContext ctx = context()) {
      Page page = openLive(ctx, "follower");
      page.evaluate("window.marker = 'same page'");
      int connects = ((Number) page.evaluate("window.warrenLive.connects")).intValue();
      for (int i = 1; i <= 4; i++) {
        int generation = ((Number) page.evaluate("window.warrenLive.generation")).intValue();
        long t0 = System.nanoTime();
        var r = warren.post("/v1/sandboxes/" + sandbox + "/restart", "{}");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        page.waitForFunction("g => window.warrenLive.generation > g && window.warrenLive.framesSinceHello > 0", generation,
            new Page.WaitForFunctionOptions().setTimeout(10_000).setPollingInterval(20));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("restart %d: view back at generation %s in %d ms%n", i, page.evaluate("window.warrenLive.generation"), ms);
        assertThat(ms).as("restart %d: the view recovers within 5 s", i).isLessThanOrEqualTo(5000);
        JsonNode last = json(page.evaluate("JSON.stringify(window.warrenLive.closes[window.warrenLive.closes.length - 1])"));
        assertThat(last.path("code").asInt()).isEqualTo(4001);
        assertThat(last.path("reason").asString()).contains("generation " + generation + " -> " + (generation + 1));
        assertThat(warren.get("/v1/browsers/" + id).json().path("state").asString()).isEqualTo("ready");
      }
      assertThat(page.evaluate("window.marker")).isEqualTo("same page");
      assertThat(((Number) page.evaluate("window.warrenLive.connects")).intValue()).isEqualTo(connects + 4);
      assertThat(page.evaluate("window.warrenLive.ended")).isEqualTo(false);
      // Chromium is back and usable after the restarts
      navigateRemote("/");
      assertThat(remote("document.title")).isEqualTo("Red page");
    }
  }

  @Test
  void aSecondViewerTakesControlAndTheFirstIsTold() {
    try (BrowserContext ctx = context()) {
      Page first = openLive(ctx, "first-human");
      Page second = openLive(ctx, "second-human");
      first.click("#take");
      first.waitForFunction("() => window.warrenLive.holder === 'first-human'");
      second.waitForFunction("() => window.warrenLive.holder === 'first-human'");
      assertThat(second.textContent("#holder")).isEqualTo("first-human has control");
      second.click("#take");
      first.waitForFunction("() => window.warrenLive.holder === 'second-human'");
      assertThat(first.textContent("#status")).contains("taken over by second-human");
      assertThat(first.textContent("#holder")).isEqualTo("second-human has control");
      assertThat(first.isVisible("#take")).isTrue();
      assertThat(second.textContent("#holder")).isEqualTo("you have control");
    }
  }

  @Test
  void afterAControllerRestartTheViewReconnectsAndTheHolderKeepsControl() {
    try (BrowserContext ctx = context()) {
      Page page = openLive(ctx, "keeper");
      page.click("#take");
      page.waitForFunction("() => window.warrenLive.holder === 'keeper'");
      page.evaluate("window.marker = 'kept'");
      int connects = ((Number) page.evaluate("window.warrenLive.connects")).intValue();
      warren.restart();
      page.waitForFunction("c => window.warrenLive.connects > c && window.warrenLive.status.startsWith('live')", connects,
          new Page.WaitForFunctionOptions().setTimeout(60_000));
      JsonNode closes = json(page.evaluate("JSON.stringify(window.warrenLive.closes)"));
      assertThat(closes.get(0).path("code").asInt()).isEqualTo(1001);
      assertThat(closes.get(0).path("reason").asString()).contains("shutting down");
      assertThat(page.evaluate("window.warrenLive.holder")).isEqualTo("keeper");
      int frames = ((Number) page.evaluate("window.warrenLive.frames")).intValue();
      remote("document.body.style.background = 'rgb(20, 20, 220)'");
      page.waitForFunction("n => window.warrenLive.frames > n", frames, new Page.WaitForFunctionOptions().setTimeout(10_000));
      assertThat(page.evaluate("window.marker")).isEqualTo("kept");
      assertThat(warren.get("/v1/browsers/" + id + "/viewers").json().path("holder").asString()).isEqualTo("keeper");
    }
  }

  private static JsonNode json(Object s) {
    return WsClient.JSON.readTree((String) s);
  }
}
