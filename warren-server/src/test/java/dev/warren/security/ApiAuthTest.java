package dev.warren.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.warren.api.SignedTokens;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every route the API registers, whatever its path (the dashboard's included once it is there),
 * answers 401 without the token and with a wrong one; only health, readiness and metrics are
 * public. Signed browser tokens work only for their browser and until they expire.
 */
class ApiAuthTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  /** Chromium's protocol description is public data that chrome-remote-interface fetches at a debugger URL's root (CdpDiscovery). */
  private static final Set<String> PUBLIC = Set.of("GET /healthz", "GET /readyz", "GET /metrics", "GET /live/live.js", "GET /json/protocol");
  /** The dashboard's own routes, which answer a person (HTML) and are checked by DashboardAuthTest. */
  private static final Set<String> DASHBOARD = Set.of("GET /login", "POST /login", "POST /logout", "GET /", "GET /ui/<path>");
  /** WebSockets that accept the upgrade and then check a viewer token themselves. */
  private static final Set<String> SELF_CHECKED_WS = Set.of("/v1/browsers/{id}/live", "/v1/sandboxes/{id}/vnc");
  private static final String BRW_A = "brw_" + "0".repeat(26);
  private static final String BRW_B = "brw_" + "1".repeat(26);
  static InProcessWarren warren;
  static HttpClient http;

  @BeforeAll
  static void start() {
    warren = InProcessWarren.start(Map.of());
    http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  @AfterAll
  static void stop() {
    if (http != null) {
      http.close();
    }
    if (warren != null) {
      warren.close();
    }
  }

  /** A concrete path for a route pattern: every parameter and wildcard becomes a plausible id. */
  static String concrete(String pattern) {
    String id = pattern.startsWith("/v1/browsers") ? BRW_A : "sbx_" + "0".repeat(26);
    return pattern.replaceFirst("\\{id}", id).replaceAll("\\{[^}]+}", "x0").replaceAll("<[^>]+>", "x0").replace("*", "x0");
  }

  static HttpResponse<String> send(String method, String path, String bearer) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(warren.base() + path)).timeout(Duration.ofSeconds(30))
        .method(method, method.equals("GET") || method.equals("DELETE") || method.equals("HEAD") || method.equals("OPTIONS")
            ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString("{}"));
    if (bearer != null) {
      b.header("Authorization", "Bearer " + bearer);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static void assertUnauthorized(HttpResponse<String> r, String what) {
    assertThat(r.statusCode()).as("%s: %s", what, r.body()).isEqualTo(401);
    assertThat(r.headers().firstValue("Content-Type").orElse("")).as(what).startsWith("application/problem+json");
    assertThat(JSON.readTree(r.body()).path("type").asString()).as(what).endsWith("/unauthorized");
  }

  @Test
  void everyRegisteredRouteButHealthReadinessAndMetricsNeedsTheToken() throws Exception {
    List<String> routes = warren.server.api().routes();
    assertThat(routes).as("the route list is read from the server").hasSizeGreaterThan(40).contains("GET /healthz", "POST /v1/sandboxes");
    Set<String> open = new TreeSet<>();
    int checked = 0;
    for (String route : routes) {
      String method = route.substring(0, route.indexOf(' '));
      String pattern = route.substring(route.indexOf(' ') + 1);
      if (!Set.of("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD").contains(method)) {
        continue; // before/after filters and WebSocket routes (checked below)
      }
      if (DASHBOARD.contains(route)) {
        continue; // its login form and pages: DashboardAuthTest
      }
      String path = concrete(pattern);
      HttpResponse<String> none = send(method, path, null);
      if (pattern.startsWith("/live/browsers/")) {
        // a live page is opened by a person: it checks its own signed token and says why in HTML
        for (String token : new String[] {null, warren.token + "x", "wst.1.forged"}) {
          HttpResponse<String> page = send(method, path + (token == null ? "" : "?token=" + token), null);
          assertThat(page.statusCode()).as("%s with token %s", route, token).isEqualTo(401);
          assertThat(page.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
          assertThat(page.body()).contains("This live view link does not work");
        }
        checked++;
        continue;
      }
      if (pattern.startsWith("/v1/previews/") || pattern.startsWith("/v1/preview-hosts/")) {
        // preview doors check a minted URL's secret themselves (PreviewTest): an unknown one opens nothing
        assertThat(none.statusCode()).as("%s without a token", route).isEqualTo(404);
        checked++;
        continue;
      }
      if (none.statusCode() != 401) {
        open.add(route);
        continue;
      }
      if (method.equals("HEAD")) {
        // a HEAD answer has no body to name the problem
        assertThat(send(method, path, warren.token + "x").statusCode()).as(route + " with the token plus a character").isEqualTo(401);
        checked++;
        continue;
      }
      assertUnauthorized(none, route + " without a token");
      assertUnauthorized(send(method, path, "wrn_not-the-token-" + "x".repeat(20)), route + " with a wrong token");
      assertUnauthorized(send(method, path, warren.token + "x"), route + " with the token plus a character");
      checked++;
    }
    assertThat(open).as("routes answering without a token").isEqualTo(PUBLIC);
    assertThat(checked).isGreaterThan(40);
    // paths no route claims (where a dashboard or static files would live) need the token too
    for (String path : List.of("/", "/index.html", "/ui/", "/dashboard", "/static/app.js", "/favicon.ico", "/v1", "/v1/nothing")) {
      assertUnauthorized(send("GET", path, null), "GET " + path);
    }
    // and the same routes with the token are not refused for the token
    assertThat(send("GET", "/v1/sandboxes", warren.token).statusCode()).isEqualTo(200);
    assertThat(send("GET", "/v1/nothing", warren.token).statusCode()).isEqualTo(404);
  }

  @Test
  void everyWebSocketRouteRefusesTheUpgradeWithoutTheToken() {
    // "WS *" is the upgrade filter, not a route
    List<String> ws = warren.server.api().routes().stream().filter(r -> r.startsWith("WS ")).map(r -> r.substring(3))
        .filter(p -> !p.contains("*")).toList();
    assertThat(ws).contains("/v1/sandboxes/{id}/pty", "/v1/browsers/{id}/cdp");
    for (String pattern : ws) {
      for (String query : new String[] {"", "?token=wrn_wrong-token-0123456789"}) {
        URI uri = URI.create(warren.base().replace("http:", "ws:") + concrete(pattern) + query);
        if (SELF_CHECKED_WS.contains(pattern)) {
          // these take viewer tokens and refuse with a close code and a reason the viewer can show
          java.util.concurrent.CompletableFuture<String> closed = new java.util.concurrent.CompletableFuture<>();
          http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5)).buildAsync(uri, new WebSocket.Listener() {
            @Override
            public java.util.concurrent.CompletionStage<?> onClose(WebSocket w, int code, String reason) {
              closed.complete(code + " " + reason);
              return null;
            }

            @Override
            public java.util.concurrent.CompletionStage<?> onBinary(WebSocket w, java.nio.ByteBuffer data, boolean last) {
              closed.complete("data before the token was checked");
              return null;
            }
          }).join();
          assertThat(closed).as("WebSocket %s%s", pattern, query).succeedsWithin(Duration.ofSeconds(10)).asString().startsWith("4003 ");
          continue;
        }
        assertThatThrownBy(() -> http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5))
            .buildAsync(uri, new WebSocket.Listener() {}).join())
            .as("WebSocket %s%s", pattern, query)
            .isInstanceOf(CompletionException.class)
            .cause().isInstanceOf(WebSocketHandshakeException.class)
            .satisfies(e -> assertThat(((WebSocketHandshakeException) e).getResponse().statusCode()).isIn(401, 403));
      }
    }
  }

  @Test
  void signedBrowserTokensAreBoundToTheirBrowserAndExpire() throws Exception {
    SignedTokens signed = SignedTokens.load(warren.dataDir, minter -> true);
    String forA = signed.issue("cdp", BRW_A, Duration.ofMinutes(5), "admin");
    String path = "/v1/browsers/" + BRW_A + "/json/version";
    // accepted for its browser (which does not exist: 404, past the token check)
    assertThat(send("GET", path, forA).statusCode()).isEqualTo(404);
    assertThat(http.send(HttpRequest.newBuilder(URI.create(warren.base() + path + "?token=" + forA)).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(404);
    // refused for another browser, after expiry, for another purpose, tampered, and anywhere else
    assertForbidden(send("GET", "/v1/browsers/" + BRW_B + "/json/version", forA));
    assertForbidden(send("GET", path, signed.issue("cdp", BRW_A, Duration.ofSeconds(-5), "admin")));
    assertForbidden(send("GET", path, signed.issue("view", BRW_A, Duration.ofMinutes(5), "admin")));
    assertForbidden(send("GET", path, forA.substring(0, forA.length() - 2) + (forA.endsWith("AA") ? "BB" : "AA")));
    String[] parts = forA.split("\\.");
    assertForbidden(send("GET", path, parts[0] + "." + (Long.parseLong(parts[1]) + 3600) + "." + parts[2]));
    assertUnauthorized(send("GET", "/v1/sandboxes", forA), "a browser token on /v1/sandboxes");
    assertUnauthorized(send("GET", "/v1/browsers/" + BRW_A, forA), "a browser token on the browser's own record");
    // a token issued for a second lives exactly that long
    String brief = signed.issue("cdp", BRW_A, Duration.ofSeconds(1), "admin");
    assertThat(send("GET", path, brief).statusCode()).isEqualTo(404);
    TimeUnit.MILLISECONDS.sleep(2200);
    assertForbidden(send("GET", path, brief));
  }

  private static void assertForbidden(HttpResponse<String> r) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(403);
    JsonNode p = JSON.readTree(r.body());
    assertThat(p.path("type").asString()).endsWith("/forbidden");
    assertThat(p.path("detail").asString()).contains("not valid for browser session");
  }

  @Test
  void oversizedBodiesAndHeadersAreRefused() throws Exception {
    String big = "{\"labels\": {\"a\": \"" + "x".repeat(17 << 20) + "\"}}";
    HttpResponse<String> body = http.send(HttpRequest.newBuilder(URI.create(warren.base() + "/v1/sandboxes"))
        .header("Authorization", "Bearer " + warren.token).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(big)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(body.statusCode()).as(body.body()).isEqualTo(413);
    assertThat(JSON.readTree(body.body()).path("type").asString()).endsWith("/too-large");
    assertThat(JSON.readTree(body.body()).path("detail").asString()).contains("over the limit of 16777216 bytes");

    HttpResponse<String> headers = http.send(HttpRequest.newBuilder(URI.create(warren.base() + "/v1/sandboxes"))
        .header("Authorization", "Bearer " + warren.token).header("X-Padding", "y".repeat(20 * 1024)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(headers.statusCode()).as(headers.body()).isEqualTo(431);
    assertThat(headers.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
    assertThat(JSON.readTree(headers.body()).path("detail").asString()).contains("headers are over the limit of 16384 bytes");

    // the server is fine afterwards
    assertThat(send("GET", "/v1/sandboxes", warren.token).statusCode()).isEqualTo(200);
  }
}
