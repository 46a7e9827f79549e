package dev.warren.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.testing.TestWarren;
import dev.warren.testing.TestWarren.Resp;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The dashboard's gate: login, session cookie, CSRF header, WebSocket origin, logout, over plain HTTP. */
class DashboardAuthTest {
  static TestWarren warren;

  @BeforeAll
  static void start() {
    warren = TestWarren.start();
  }

  @AfterAll
  static void stop() {
    if (warren != null) {
      warren.close();
    }
  }

  /** A logged-in dashboard session: its cookie ("name=value") and the page's CSRF value. */
  record Login(String cookie, String csrf) {}

  static Resp raw(String method, String path, String body, Map<String, String> headers) {
    return warren.send(method, path, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body), headers, null);
  }

  static Login login() {
    Resp r = raw("POST", "/login", "token=" + URLEncoder.encode(warren.token(), StandardCharsets.UTF_8),
        Map.of("Content-Type", "application/x-www-form-urlencoded"));
    assertThat(r.status()).as(r.toString()).isEqualTo(303);
    assertThat(r.raw().headers().firstValue("Location")).hasValue("/");
    String setCookie = r.raw().headers().firstValue("Set-Cookie").orElseThrow();
    assertThat(setCookie).contains("HttpOnly").contains("SameSite=Strict").contains("Path=/").doesNotContain(warren.token());
    String cookie = setCookie.substring(0, setCookie.indexOf(';'));
    Resp index = raw("GET", "/", null, Map.of("Cookie", cookie));
    assertThat(index.status()).isEqualTo(200);
    Matcher m = Pattern.compile("name=\"warren-csrf\" content=\"([^\"]+)\"").matcher(index.text());
    assertThat(m.find()).as("the page carries its CSRF value").isTrue();
    return new Login(cookie, m.group(1));
  }

  @Test
  void withoutASessionTheDashboardAndItsFilesAre401() {
    Resp page = raw("GET", "/", null, Map.of("Accept", "text/html"));
    assertThat(page.status()).isEqualTo(401);
    assertThat(page.raw().headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
    assertThat(page.text()).contains("href=\"/login\"");
    Resp asset = raw("GET", "/ui/js/app.js", null, Map.of());
    assertThat(asset.status()).isEqualTo(401);
    assertThat(asset.json().path("type").asString()).endsWith("/unauthorized");
    assertThat(raw("GET", "/ui/vendor/xterm/xterm.mjs", null, Map.of()).status()).isEqualTo(401);
    assertThat(raw("GET", "/anything/else", null, Map.of()).status()).isEqualTo(401);
    assertThat(raw("GET", "/", null, Map.of("Cookie", "warren_session_" + warren.base().getPort() + "=forged")).status()).isEqualTo(401);
    // the login page and its stylesheet are public
    assertThat(raw("GET", "/login", null, Map.of()).status()).isEqualTo(200);
    assertThat(raw("GET", "/ui/warren.css", null, Map.of()).status()).isEqualTo(200);
  }

  @Test
  void aWrongTokenDoesNotLogIn() {
    Resp r = raw("POST", "/login", "token=wrn_wrong", Map.of("Content-Type", "application/x-www-form-urlencoded", "Accept", "text/html"));
    assertThat(r.status()).isEqualTo(401);
    assertThat(r.raw().headers().firstValue("Set-Cookie")).isEmpty();
    assertThat(r.text()).contains("That is not the API token.");
  }

  @Test
  void theApiAcceptsTheSessionCookieOnlyWithItsCsrfHeader() {
    Login l = login();
    Resp ok = raw("GET", "/v1/sandboxes", null, Map.of("Cookie", l.cookie(), "X-Warren-CSRF", l.csrf()));
    assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
    assertThat(ok.json().has("sandboxes")).isTrue();
    assertForbidden(raw("GET", "/v1/sandboxes", null, Map.of("Cookie", l.cookie())), "X-Warren-CSRF");
    assertForbidden(raw("GET", "/v1/sandboxes", null, Map.of("Cookie", l.cookie(), "X-Warren-CSRF", "wrong")), "X-Warren-CSRF");
    assertForbidden(raw("POST", "/v1/sandboxes", "{}", Map.of("Cookie", l.cookie(), "Content-Type", "application/json")), "X-Warren-CSRF");
    String forged = l.cookie().substring(0, l.cookie().indexOf('=') + 1) + "forged";
    assertUnauthorized(raw("GET", "/v1/sandboxes", null, Map.of("Cookie", forged, "X-Warren-CSRF", l.csrf())), "log in again");
    // a session cookie of another login does not fit this page's CSRF value
    Login other = login();
    assertForbidden(raw("GET", "/v1/sandboxes", null, Map.of("Cookie", other.cookie(), "X-Warren-CSRF", l.csrf())), "X-Warren-CSRF");
    // files of the page load with the cookie alone
    Resp js = raw("GET", "/ui/js/app.js", null, Map.of("Cookie", l.cookie()));
    assertThat(js.status()).isEqualTo(200);
    assertThat(js.raw().headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/javascript"));
    Resp rfb = raw("GET", "/ui/vendor/novnc/core/rfb.js", null, Map.of("Cookie", l.cookie()));
    assertThat(rfb.status()).as("noVNC is in the jar").isEqualTo(200);
    assertThat(raw("GET", "/ui/vendor/xterm/xterm.mjs", null, Map.of("Cookie", l.cookie())).text()).contains("Terminal");
    Resp cached = raw("GET", "/ui/js/app.js", null, Map.of("Cookie", l.cookie(), "If-None-Match", js.raw().headers().firstValue("ETag").orElseThrow()));
    assertThat(cached.status()).isEqualTo(304);
  }

  @Test
  void aWebSocketWithTheCookieMustComeFromTheDashboardsOrigin() throws IOException {
    Login l = login();
    String host = warren.base().getHost() + ":" + warren.base().getPort();
    String path = "/v1/sandboxes/sbx_00000000000000000000000000/pty";
    assertThat(upgradeStatus(path, Map.of("Cookie", l.cookie(), "Origin", "http://evil.example"))).isEqualTo(403);
    assertThat(upgradeStatus(path, Map.of("Cookie", l.cookie()))).isEqualTo(403);
    assertThat(upgradeStatus(path, Map.of("Origin", "http://" + host))).isEqualTo(401);
    assertThat(upgradeStatus(path, Map.of("Cookie", l.cookie(), "Origin", "http://" + host))).isEqualTo(101);
  }

  @Test
  void loggingOutEndsTheSession() {
    Login l = login();
    Resp refused = raw("POST", "/logout", "csrf=wrong", Map.of("Cookie", l.cookie(), "Content-Type", "application/x-www-form-urlencoded"));
    assertThat(refused.status()).isEqualTo(403);
    Resp out = raw("POST", "/logout", "csrf=" + l.csrf(), Map.of("Cookie", l.cookie(), "Content-Type", "application/x-www-form-urlencoded"));
    assertThat(out.status()).isEqualTo(303);
    assertThat(out.raw().headers().firstValue("Set-Cookie")).hasValueSatisfying(c -> assertThat(c).contains("Max-Age=0"));
    assertThat(raw("GET", "/", null, Map.of("Cookie", l.cookie())).status()).isEqualTo(401);
    assertUnauthorized(raw("GET", "/v1/sandboxes", null, Map.of("Cookie", l.cookie(), "X-Warren-CSRF", l.csrf())), "log in again");
  }

  @Test
  void aSessionSurvivesAControllerRestartAndIsNotStoredInClear() throws IOException {
    Login l = login();
    String stored = Files.readString(warren.dataDir().resolve("dashboard-sessions"));
    assertThat(stored).doesNotContain(l.cookie().substring(l.cookie().indexOf('=') + 1)).doesNotContain(warren.token());
    warren.restart();
    // the port changes with the restart (port 0), and the cookie is named after it
    String cookie = "warren_session_" + warren.base().getPort() + l.cookie().substring(l.cookie().indexOf('='));
    Resp ok = raw("GET", "/v1/sandboxes", null, Map.of("Cookie", cookie, "X-Warren-CSRF", l.csrf()));
    assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
  }

  /** A live session cookie without the page's CSRF value: the caller is known, the request is not the page's. */
  private static void assertForbidden(Resp r, String detail) {
    assertThat(r.status()).as(r.toString()).isEqualTo(403);
    assertThat(r.json().path("type").asString()).endsWith("/forbidden");
    assertThat(r.json().path("detail").asString()).contains(detail);
  }

  private static void assertUnauthorized(Resp r, String detail) {
    assertThat(r.status()).as(r.toString()).isEqualTo(401);
    assertThat(r.json().path("type").asString()).endsWith("/unauthorized");
    assertThat(r.json().path("detail").asString()).contains(detail);
  }

  /** Sends a WebSocket upgrade by hand (so Origin can be anything) and returns the answer's status. */
  private static int upgradeStatus(String path, Map<String, String> headers) throws IOException {
    try (Socket s = new Socket(warren.base().getHost(), warren.base().getPort())) {
      s.setSoTimeout(10_000);
      Map<String, String> h = new HashMap<>(headers);
      h.put("Host", warren.base().getHost() + ":" + warren.base().getPort());
      h.put("Upgrade", "websocket");
      h.put("Connection", "Upgrade");
      h.put("Sec-WebSocket-Version", "13");
      h.put("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==");
      StringBuilder req = new StringBuilder("GET " + path + " HTTP/1.1\r\n");
      h.forEach((k, v) -> req.append(k).append(": ").append(v).append("\r\n"));
      req.append("\r\n");
      OutputStream out = s.getOutputStream();
      out.write(req.toString().getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      StringBuilder line = new StringBuilder();
      int c;
      while ((c = in.read()) != -1 && c != '\n') {
        line.append((char) c);
      }
      String[] parts = line.toString().split(" ");
      return Integer.parseInt(parts[1]);
    }
  }
}
