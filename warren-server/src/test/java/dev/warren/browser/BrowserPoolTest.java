package dev.warren.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import dev.warren.testing.TestWarren;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The warm pool hands out ready browsers with the caller's egress, refills itself, and survives restarts. */
class BrowserPoolTest {

  private static double poolReady(TestWarren warren) {
    for (String line : warren.get("/metrics").text().split("\n")) {
      if (line.startsWith("warren_browser_pool_ready")) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return -1;
  }

  private static boolean fromPool(TestWarren warren, String id) {
    return warren.get("/v1/events?subject=" + id).json().path("events").toString().contains("from the warm pool");
  }

  @Test
  void aPooledBrowserIsHandedOutWithTheCallersEgressAndThePoolRefills() throws Exception {
    TestWarren.ensureImage("browser");
    try (TestSite site = new TestSite(); TestSite other = new TestSite();
         TestWarren warren = TestWarren.start(Map.of("WARREN_BROWSER_POOL", "1"));
         Playwright pw = BrowserDurabilityTest.playwright()) {
      await().atMost(Duration.ofSeconds(60)).until(() -> poolReady(warren) == 1.0);
      // pooled browsers are not anybody's session yet
      assertThat(warren.get("/v1/browsers").json().path("browsers").size()).isZero();

      JsonNode a = BrowserDurabilityTest.create(warren, Map.of("key", "pool-a", "egress", Map.of("allow", List.of(site.allow()))));
      String id = a.path("id").asString();
      assertThat(a.path("state").asString()).isEqualTo("ready");
      assertThat(a.path("key").asString()).isEqualTo("pool-a");
      assertThat(fromPool(warren, id)).isTrue();
      try (Browser b = pw.chromium().connectOverCDP(a.path("cdpUrl").asString(), new BrowserType.ConnectOverCDPOptions().setTimeout(30_000))) {
        Page page = b.contexts().getFirst().newPage();
        page.navigate(site.url("/"));
        assertThat(page.textContent("#greeting")).isEqualTo("Hello from the test site");
        // the pooled browser was started with no egress; the caller's allow-list is now its only way out
        var refused = page.navigate(other.url("/"));
        assertThat(refused.status()).isEqualTo(403);
      }
      // keyed reuse finds the handed-out browser, not another pooled one
      assertThat(BrowserDurabilityTest.create(warren, Map.of("key", "pool-a")).path("id").asString()).isEqualTo(id);

      // the pool refills in the background, and its browser survives a controller kill -9
      await().atMost(Duration.ofSeconds(60)).until(() -> poolReady(warren) == 1.0);
      warren.kill9AndRestart();
      assertThat(poolReady(warren)).isEqualTo(1.0);
      JsonNode b = BrowserDurabilityTest.create(warren, Map.of());
      assertThat(fromPool(warren, b.path("id").asString())).isTrue();
      assertThat(BrowserDurabilityTest.evaluate(pw, b.path("cdpUrl").asString(), "6 * 7")).isEqualTo("42");

      // a request the pool cannot serve (another viewport) starts a browser of its own
      JsonNode c = BrowserDurabilityTest.create(warren, Map.of("viewport", Map.of("width", 800, "height", 600)));
      assertThat(fromPool(warren, c.path("id").asString())).isFalse();
      assertThat(BrowserDurabilityTest.evaluate(pw, c.path("cdpUrl").asString(), "window.innerWidth")).isEqualTo("800");

      assertThat(warren.delete("/v1/browsers?all=true").status()).isIn(200, 204);
      assertThat(warren.get("/v1/browsers").json().path("browsers").size()).isZero();
    }
  }
}
