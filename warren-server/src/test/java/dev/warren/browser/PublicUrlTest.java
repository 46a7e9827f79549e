package dev.warren.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.microsoft.playwright.Playwright;
import dev.warren.config.Config;
import dev.warren.config.ConfigException;
import dev.warren.testing.TestWarren;
import java.net.http.HttpRequest;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Behind a reverse proxy or TLS terminator, the URLs Warren hands out (CDP, live view, VNC) start
 * with WARREN_PUBLIC_URL, and WebSocket URLs are wss:// for https; without it they follow the
 * request (X-Forwarded-Proto included).
 */
class PublicUrlTest {

  @Test
  void aBadPublicUrlStopsStartUpNamingTheSetting() {
    for (String bad : new String[] {"warren.example.com", "ftp://warren.example.com", "https://user:pw@warren.example.com",
        "https://warren.example.com/?a=b", "https://warren.example.com/#x"}) {
      assertThatThrownBy(() -> Config.from(Map.of("WARREN_PUBLIC_URL", bad))).as(bad).isInstanceOf(ConfigException.class)
          .hasMessageStartingWith("WARREN_PUBLIC_URL: ");
    }
    assertThat(Config.from(Map.of("WARREN_PUBLIC_URL", "https://warren.example.com:8443/w")).publicUrl()).hasValueSatisfying(
        u -> assertThat(u.toString()).isEqualTo("https://warren.example.com:8443/w"));
  }

  @Test
  void handedOutUrlsStartWithThePublicUrlAndStillWork() {
    TestWarren.ensureImage("browser");
    String pub = "https://warren.example.com/w";
    try (TestWarren warren = TestWarren.start(Map.of("WARREN_PUBLIC_URL", pub + "/")); Playwright pw = BrowserDurabilityTest.playwright()) {
      JsonNode b = BrowserDurabilityTest.create(warren, Map.of());
      String id = b.path("id").asString();
      assertThat(b.path("cdpUrl").asString()).startsWith("wss://warren.example.com/w/v1/browsers/" + id + "/cdp?token=");
      assertThat(b.path("cdpHttpUrl").asString()).isEqualTo(pub + "/v1/browsers/" + id);
      assertThat(b.path("liveViewUrl").asString()).startsWith(pub + "/live/browsers/" + id + "?token=");
      assertThat(b.path("liveControlUrl").asString()).startsWith(pub + "/live/browsers/" + id + "?token=");
      JsonNode version = warren.get("/v1/browsers/" + id + "/json/version").json();
      assertThat(version.path("webSocketDebuggerUrl").asString()).startsWith("wss://warren.example.com/w/v1/browsers/" + id + "/cdp?token=");
      JsonNode minted = warren.post("/v1/browsers/" + id + "/live-view-url", "{\"control\": true}").json();
      assertThat(minted.path("url").asString()).startsWith(pub + "/live/browsers/" + id + "?token=");
      String sandbox = warren.createSandbox("{}");
      JsonNode vnc = warren.post("/v1/sandboxes/" + sandbox + "/vnc-url", "{}").json();
      assertThat(vnc.path("url").asString()).startsWith("wss://warren.example.com/w/v1/sandboxes/" + sandbox + "/vnc?token=");

      // what a reverse proxy would do: the same URL with its base swapped for Warren's own reaches the browser
      String direct = b.path("cdpUrl").asString().replace("wss://warren.example.com/w", "ws://" + warren.base().getAuthority());
      assertThat(BrowserDurabilityTest.evaluate(pw, direct, "6 * 7")).isEqualTo("42");
      warren.delete("/v1/sandboxes/" + sandbox);
      warren.delete("/v1/browsers/" + id);
    }
  }

  @Test
  void withoutAPublicUrlTheRequestsSchemeAndHostAreUsed() {
    TestWarren.ensureImage("browser");
    try (TestWarren warren = TestWarren.start()) {
      String id = BrowserDurabilityTest.create(warren, Map.of()).path("id").asString();
      String host = warren.base().getAuthority();
      JsonNode plain = warren.get("/v1/browsers/" + id).json();
      assertThat(plain.path("cdpUrl").asString()).startsWith("ws://" + host + "/v1/browsers/" + id + "/cdp?token=");
      assertThat(plain.path("liveViewUrl").asString()).startsWith("http://" + host + "/live/browsers/");
      JsonNode tls = warren.send("GET", "/v1/browsers/" + id, HttpRequest.BodyPublishers.noBody(), Map.of("X-Forwarded-Proto", "https"),
          warren.token()).json();
      assertThat(tls.path("cdpUrl").asString()).startsWith("wss://" + host + "/v1/browsers/" + id + "/cdp?token=");
      assertThat(tls.path("liveViewUrl").asString()).startsWith("https://" + host + "/live/browsers/");
      warren.delete("/v1/browsers/" + id);
    }
  }
}
