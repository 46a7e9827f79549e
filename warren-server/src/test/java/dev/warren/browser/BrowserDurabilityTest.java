package dev.warren.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import dev.warren.testing.OutsideHost;
import dev.warren.testing.TestWarren;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Browsers survive the controller, crash visibly, and keep upstream credentials out of the sandbox. */
class BrowserDurabilityTest {

  static Playwright playwright() {
    return Playwright.create(new Playwright.CreateOptions().setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
  }

  static JsonNode create(TestWarren warren, Map<String, Object> body) {
    var r = warren.post("/v1/browsers", TestWarren.json(body));
    assertThat(r.status()).as(r.toString()).isIn(200, 201);
    return r.json();
  }

  static String evaluate(Playwright pw, String cdpUrl, String expression) {
    try (Browser b = pw.chromium().connectOverCDP(cdpUrl, new BrowserType.ConnectOverCDPOptions().setTimeout(30_000))) {
      Page page = b.contexts().getFirst().pages().isEmpty() ? b.contexts().getFirst().newPage() : b.contexts().getFirst().pages().getFirst();
      return String.valueOf(page.evaluate(expression));
    }
  }

  @Test
  void killNineOfTheControllerWithFiveBrowsersOpenLosesNothing() throws Exception {
    TestWarren.ensureImage("browser");
    try (TestWarren warren = TestWarren.start(); Playwright pw = playwright()) {
      List<JsonNode> sessions = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        JsonNode s = create(warren, Map.of("key", "durable-" + i));
        assertThat(evaluate(pw, s.path("cdpUrl").asString(), "window.__mark = " + i + "; 40 + 2")).isEqualTo("42");
        sessions.add(s);
      }
      warren.kill9AndRestart();
      for (int i = 0; i < 5; i++) {
        String id = sessions.get(i).path("id").asString();
        JsonNode again = warren.get("/v1/browsers/" + id).json();
        assertThat(again.path("state").asString()).isEqualTo("ready");
        // the same page is still there, with what the agent left in it
        assertThat(evaluate(pw, again.path("cdpUrl").asString(), "window.__mark")).isEqualTo(Integer.toString(i));
        // keyed reuse still finds it
        assertThat(create(warren, Map.of("key", "durable-" + i)).path("id").asString()).isEqualTo(id);
      }
      warren.delete("/v1/browsers?all=true");
    }
  }

  @Test
  void aKilledChromiumComesBackInPlaceByItselfAndRestartsOnRequest() throws Exception {
    TestWarren.ensureImage("browser");
    try (TestWarren warren = TestWarren.start(Map.of("WARREN_IDLE_CHECK_INTERVAL", "1s")); Playwright pw = playwright()) {
      JsonNode s = create(warren, Map.of());
      String id = s.path("id").asString();
      warren.exec(s.path("sandboxId").asString(), "kill -9 $(pgrep -o -x chromium)");
      // noticed at once (Warren's own DevTools connection drops) and started again as generation 2
      await().atMost(Duration.ofSeconds(30)).until(() -> {
        JsonNode now = warren.get("/v1/browsers/" + id).json();
        return now.path("state").asString().equals("ready") && now.path("generation").asLong() == 2;
      });
      assertThat(warren.get("/v1/events?subject=" + id).text()).contains("Chromium exited");
      JsonNode restarted = warren.post("/v1/browsers/" + id + "/restart", null).json();
      assertThat(restarted.path("state").asString()).isEqualTo("ready");
      assertThat(restarted.path("generation").asLong()).isEqualTo(3);
      assertThat(evaluate(pw, restarted.path("cdpUrl").asString(), "1 + 1")).isEqualTo("2");
      warren.delete("/v1/browsers/" + id);
    }
  }

  @Test
  void upstreamProxyCredentialsReachTheUpstreamButNeverTheSandbox() throws Exception {
    TestWarren.ensureImage("browser");
    List<String> auth = new CopyOnWriteArrayList<>();
    try (ServerSocket upstream = OutsideHost.shared().serverSocket();
         TestWarren warren = TestWarren.start(); Playwright pw = playwright()) {
      Thread.ofVirtual().start(() -> serveUpstream(upstream, auth));
      String secret = "pw-" + System.nanoTime();
      JsonNode s = create(warren, Map.of("egress", Map.of("allow", List.of("example.test"),
          "upstreamProxy", "http://agent:" + secret + "@" + OutsideHost.shared().target(upstream.getLocalPort()))));
      try (Browser b = pw.chromium().connectOverCDP(s.path("cdpUrl").asString())) {
        Page page = b.contexts().getFirst().newPage();
        page.navigate("http://example.test/");
        assertThat(page.content()).contains("from the upstream");
      }
      assertThat(auth).contains("Basic " + Base64.getEncoder().encodeToString(("agent:" + secret).getBytes(StandardCharsets.UTF_8)));
      // the pattern travels in a file, so that no command line of the check itself holds the secret
      String sandboxId = s.path("sandboxId").asString();
      assertThat(warren.put("/v1/sandboxes/" + sandboxId + "/files?path=/tmp/pattern", secret.getBytes(StandardCharsets.UTF_8)).status())
          .isEqualTo(204);
      JsonNode inside = warren.exec(sandboxId, "for p in /proc/[0-9]*; do tr '\\0' '\\n' < $p/environ; tr '\\0' ' ' < $p/cmdline; "
          + "done 2>/dev/null | grep -c -F -f /tmp/pattern || true");
      assertThat(inside.path("stdout").asString().strip()).isEqualTo("0");
      assertThat(warren.get("/v1/browsers/" + s.path("id").asString()).text()).doesNotContain(secret);
      assertThat(warren.log(1000)).doesNotContain(secret);
      warren.delete("/v1/browsers/" + s.path("id").asString());
    }
  }

  private static void serveUpstream(ServerSocket server, List<String> auth) {
    while (!server.isClosed()) {
      try (Socket s = server.accept()) {
        InputStream in = s.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
          int c = in.read();
          if (c < 0) {
            break;
          }
          head.append((char) c);
        }
        for (String l : head.toString().split("\r\n")) {
          if (l.toLowerCase().startsWith("proxy-authorization:")) {
            auth.add(l.substring(20).strip());
          }
        }
        byte[] body = "<html><body>from the upstream proxy</body></html>".getBytes(StandardCharsets.UTF_8);
        OutputStream out = s.getOutputStream();
        out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n")
            .getBytes(StandardCharsets.UTF_8));
        out.write(body);
      } catch (java.io.IOException e) {
        // closed at the end of the test
      }
    }
  }
}
