package dev.warren.preview;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.testing.PreviewApp;
import dev.warren.testing.TestWarren;
import dev.warren.testing.TestWarren.Resp;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Preview doors through a real controller and a real sandbox serving HTTP and a WebSocket echo
 * (python3 of the base image, {@code preview/app.py}): the API token's path, minted URLs (path and
 * preview host), their deaths, the cookie scope, and a 20 MB body each way.
 */
class PreviewTest {
  static final String DOMAIN = "preview.test";
  static TestWarren warren;
  static String sbx;
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @BeforeAll
  static void start() throws Exception {
    warren = TestWarren.start(Map.of("WARREN_PREVIEW_DOMAIN", DOMAIN));
    sbx = warren.createSandbox("{}");
    PreviewApp.start(warren, sbx, 8000, 8001);
  }

  @AfterAll
  static void stop() {
    if (warren != null) {
      warren.close();
    }
  }

  static String path(int port, String rest) {
    return "/v1/sandboxes/" + sbx + "/ports/" + port + rest;
  }

  static HttpResponse<String> anonymous(String url) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void theTokensPathReachesTheAppWithoutWarrensCredentials() {
    Resp r = warren.send("GET", path(8000, "/headers?x=1&token=" + warren.token()), HttpRequest.BodyPublishers.noBody(),
        Map.of("Cookie", "warren_session_1=dash; mine=kept"), warren.token());
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    var headers = r.json();
    assertThat(headers.has("authorization")).isFalse();
    assertThat(headers.path("cookie").asString()).isEqualTo("mine=kept");
    assertThat(headers.path("x-forwarded-prefix").asString()).isEqualTo(path(8000, ""));
    assertThat(headers.path("x-forwarded-proto").asString()).isEqualTo("http");
    assertThat(headers.path("host").asString()).isEqualTo("localhost:8000");
    assertThat(r.text()).doesNotContain(warren.token());
  }

  @Test
  void anAppListeningOnTheSandboxsLoopbackAloneIsReachedToo() throws Exception {
    warren.exec(sbx, "nohup python3 /tmp/app.py 8003 127.0.0.1 >/tmp/app-8003.log 2>&1 & echo started");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    Resp r;
    while ((r = warren.get(path(8003, "/hello"))).status() != 200) {
      assertThat(System.nanoTime()).as("the loopback app answers within 60 s: %s", r).isLessThan(deadline);
      Thread.sleep(100);
    }
    assertThat(r.text()).isEqualTo("hello from the app at /hello");
    // again, now that Warren knows that port answers on loopback alone
    assertThat(warren.get(path(8003, "/hello")).text()).isEqualTo("hello from the app at /hello");
  }

  @Test
  void requestsWithoutABodyShareAConnectionAndOneTheAppClosedIsReplacedUnseen() throws Exception {
    String first = warren.get(path(8000, "/conn")).text();
    assertThat(warren.get(path(8000, "/conn")).text()).as("the second GET came on the connection the first left open").isEqualTo(first);
    // a POST never goes on a kept connection
    Resp post = warren.send("POST", path(8000, "/conn"), HttpRequest.BodyPublishers.ofString("x"), Map.of(), warren.token());
    assertThat(post.status()).isEqualTo(200);
    // the app restarts: the connection Warren kept is closed at its end, and the next GET gets a new one
    warren.exec(sbx, "nohup python3 /tmp/app.py 8004 >/tmp/app-8004.log 2>&1 & echo $! > /tmp/app-8004.pid");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (warren.get(path(8004, "/ready")).status() != 200) {
      assertThat(System.nanoTime()).as("the app answers within 60 s").isLessThan(deadline);
      Thread.sleep(100);
    }
    String before = warren.get(path(8004, "/conn")).text();
    warren.exec(sbx, "kill $(cat /tmp/app-8004.pid); sleep 0.5; nohup python3 /tmp/app.py 8004 >/tmp/app-8004.log 2>&1 & sleep 1; echo again");
    Resp after = warren.get(path(8004, "/conn"));
    assertThat(after.status()).as(after.toString()).isEqualTo(200);
    assertThat(after.text()).isNotEqualTo(before);
  }

  @Test
  void badPortUnknownSandboxAndNothingListeningAreClearProblems() {
    Resp bad = warren.get(path(70000, "/"));
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.json().path("field").asString()).isEqualTo("port");
    Resp unknown = warren.get("/v1/sandboxes/sbx_00000000000000000000000000/ports/8000/");
    assertThat(unknown.status()).isEqualTo(404);
    Resp nothing = warren.get(path(8002, "/"));
    assertThat(nothing.status()).as(nothing.toString()).isEqualTo(502);
    assertThat(nothing.json().path("detail").asString()).contains("port 8002");
    Resp noToken = warren.send("GET", path(8000, "/"), HttpRequest.BodyPublishers.noBody(), Map.of(), null);
    assertThat(noToken.status()).isEqualTo(401);
    Resp badAccess = warren.post(path(8000, "/url"), "{\"access\": \"everyone\"}");
    assertThat(badAccess.status()).isEqualTo(400);
    assertThat(badAccess.json().path("field").asString()).isEqualTo("access");
    Resp badTtl = warren.post(path(8000, "/url"), "{\"ttlSeconds\": 0}");
    assertThat(badTtl.json().path("field").asString()).isEqualTo("ttlSeconds");
  }

  @Test
  void aCookieTheAppSetsStaysUnderThePreviewAndNeverReachesTheApi() throws Exception {
    CookieManager jar = new CookieManager(null, CookiePolicy.ACCEPT_ALL);
    HttpClient browser = HttpClient.newBuilder().cookieHandler(jar).build();
    URI hello = warren.base().resolve(path(8000, "/hello"));
    HttpResponse<String> r = browser.send(HttpRequest.newBuilder(hello).header("Authorization", "Bearer " + warren.token()).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Set-Cookie").orElseThrow()).contains("Path=" + path(8000, "/")).doesNotContainIgnoringCase("domain");
    HttpResponse<String> api = browser.send(HttpRequest.newBuilder(warren.base().resolve("/v1/sandboxes/" + sbx + "/headers-probe"))
        .header("Authorization", "Bearer " + warren.token()).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(api.request().headers().allValues("Cookie")).isEmpty();
    assertThat(jar.get(warren.base().resolve("/v1/sandboxes"), Map.of()).get("Cookie")).isEmpty();
    assertThat(jar.get(warren.base().resolve("/"), Map.of()).get("Cookie")).isEmpty();
    HttpResponse<String> again = browser.send(HttpRequest.newBuilder(warren.base().resolve(path(8000, "/headers")))
        .header("Authorization", "Bearer " + warren.token()).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(again.body()).contains("appsid=s3cret");
  }

  @Test
  void aPublicUrlOpensItsPortUntilRevokedAndNoOtherPort() throws Exception {
    Resp minted = warren.post(path(8000, "/url"), "{\"access\": \"public\", \"ttlSeconds\": 600}");
    assertThat(minted.status()).as(minted.toString()).isEqualTo(201);
    String url = minted.json().path("url").asString();
    String urlId = minted.json().path("id").asString();
    assertThat(minted.json().path("hostUrl").asString()).startsWith("http://8000-" + sbx.replace('_', '-') + "." + DOMAIN);
    HttpResponse<String> page = anonymous(url + "hello");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).isEqualTo("hello from the app at /hello");
    assertThat(warren.get(path(8000, "/url")).json().path("urls").toString()).contains(urlId);

    String secret = url.replaceAll(".*/v1/previews/([^/]+)/$", "$1");
    String onHost = raw("8000-" + sbx.replace('_', '-') + "." + DOMAIN, "/hello?warren_preview=" + secret, null);
    assertThat(onHost).startsWith("HTTP/1.1 303").contains("Location: /hello").contains("Set-Cookie: warren_preview=" + secret);
    assertThat(raw("8000-" + sbx + "." + DOMAIN, "/hello", "warren_preview=" + secret)).startsWith("HTTP/1.1 200")
        .contains("hello from the app at /hello").contains("Set-Cookie: appsid=s3cret; Path=/");
    assertThat(raw("8001-" + sbx + "." + DOMAIN, "/hello", "warren_preview=" + secret)).startsWith("HTTP/1.1 404");
    assertThat(raw("8001-" + sbx + "." + DOMAIN, "/hello?warren_preview=" + secret, null)).startsWith("HTTP/1.1 404");
    assertThat(raw("8000-" + sbx + "." + DOMAIN, "/hello", null)).startsWith("HTTP/1.1 401");
    assertThat(warren.send("GET", PreviewFilter.HOST_PATH + sbx + "/8000/hello", HttpRequest.BodyPublishers.noBody(), Map.of(), null)
        .status()).as("the preview host's internal path is no door on Warren's own host").isEqualTo(404);

    HttpResponse<String> posted = HTTP.send(HttpRequest.newBuilder(URI.create(url + "form")).POST(HttpRequest.BodyPublishers.ofString("a=1"))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(posted.statusCode()).isEqualTo(200);
    assertThat(java.nio.file.Files.readString(warren.logFile())).as("the controller's log").doesNotContain(secret.substring(4));
    // a proxied answer streams to the caller before the call's handler ends, and its audit entry is made at that end: a moment later
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50)).untilAsserted(() ->
        assertThat(warren.get("/v1/audit?limit=1000").text()).as("the audit trail").contains("/v1/previews/"));
    assertThat(warren.get("/v1/audit?limit=1000").text()).as("the audit trail").doesNotContain(secret.substring(4));

    assertThat(warren.delete(path(8000, "/url/" + urlId)).status()).isEqualTo(204);
    assertThat(anonymous(url + "hello").statusCode()).isEqualTo(404);
    assertThat(raw("8000-" + sbx + "." + DOMAIN, "/hello", "warren_preview=" + secret)).startsWith("HTTP/1.1 404");
    assertThat(warren.delete(path(8000, "/url/" + urlId)).status()).isEqualTo(404);
  }

  @Test
  void aUrlDiesWithItsTtlAndWithItsToken() throws Exception {
    Resp shortLived = warren.post(path(8000, "/url"), "{\"access\": \"public\", \"ttlSeconds\": 1}");
    String url = shortLived.json().path("url").asString();
    assertThat(anonymous(url).statusCode()).isEqualTo(200);
    Thread.sleep(1_200);
    assertThat(anonymous(url).statusCode()).isEqualTo(404);

    Resp made = warren.post("/v1/tokens", "{\"name\": \"previewer\"}");
    String other = made.json().path("token").asString();
    Resp byOther = warren.send("POST", path(8000, "/url"), HttpRequest.BodyPublishers.ofString("{\"access\": \"public\"}"),
        Map.of("Content-Type", "application/json"), other);
    assertThat(byOther.status()).isEqualTo(201);
    String otherUrl = byOther.json().path("url").asString();
    assertThat(anonymous(otherUrl).statusCode()).isEqualTo(200);
    assertThat(warren.delete("/v1/tokens/" + made.json().path("id").asString()).status()).isEqualTo(204);
    assertThat(anonymous(otherUrl).statusCode()).isEqualTo(404);
    assertThat(warren.send("GET", path(8000, "/"), HttpRequest.BodyPublishers.noBody(), Map.of(), other).status()).isEqualTo(401);
  }

  @Test
  void aTokenUrlNeedsAnApiTokenToo() throws Exception {
    Resp minted = warren.post(path(8000, "/url"), "{\"access\": \"token\"}");
    String url = minted.json().path("url").asString();
    assertThat(anonymous(url + "hello").statusCode()).isEqualTo(401);
    HttpResponse<String> ok = HTTP.send(HttpRequest.newBuilder(URI.create(url + "headers")).header("Authorization", "Bearer " + warren.token())
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.body()).doesNotContain(warren.token());
  }

  @Test
  void aWebSocketEchoesThroughThePreviewPathAndAMintedUrl() throws Exception {
    assertThat(echo(warren.base().resolve(path(8000, "/ws")).toString().replace("http:", "ws:"),
        Map.of("Authorization", "Bearer " + warren.token()))).isEqualTo("echo:ping");
    Resp minted = warren.post(path(8000, "/url"), "{\"access\": \"public\"}");
    String url = minted.json().path("url").asString();
    assertThat(echo(url.replace("http:", "ws:") + "ws", Map.of())).isEqualTo("echo:ping");

    // an open socket through a URL ends when the URL is revoked
    CompletableFuture<String> ended = new CompletableFuture<>();
    WebSocket ws = HTTP.newWebSocketBuilder().buildAsync(URI.create(url.replace("http:", "ws:") + "ws"), new WebSocket.Listener() {
      @Override
      public CompletionStage<?> onClose(WebSocket w, int code, String reason) {
        ended.complete("closed " + code);
        return null;
      }

      @Override
      public void onError(WebSocket w, Throwable error) {
        ended.complete("error " + error);
      }
    }).get(20, TimeUnit.SECONDS);
    assertThat(ended).isNotDone();
    assertThat(warren.delete(path(8000, "/url/" + minted.json().path("id").asString())).status()).isEqualTo(204);
    assertThat(ended.get(10, TimeUnit.SECONDS)).isNotNull();
    ws.abort();
  }

  @Test
  void twentyMegabytesStreamBothWaysThroughTheTokensPath() throws Exception {

    int n = 20 * 1024 * 1024;
    HttpResponse<InputStream> big = HTTP.send(HttpRequest.newBuilder(warren.base().resolve(path(8000, "/big?n=" + n)))
        .header("Authorization", "Bearer " + warren.token()).build(), HttpResponse.BodyHandlers.ofInputStream());
    assertThat(big.statusCode()).isEqualTo(200);
    long k = 0;
    try (InputStream in = big.body()) {
      byte[] buf = new byte[65536];
      for (int r; (r = in.read(buf)) >= 0; ) {
        for (int i = 0; i < r; i++, k++) {
          if (buf[i] != (byte) (k % 251)) {
            throw new AssertionError("byte " + k + " is " + buf[i]);
          }
        }
      }
    }
    assertThat(k).isEqualTo(n);

    byte[] upload = new byte[n];
    new java.util.Random(7).nextBytes(upload);
    String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(upload));
    Resp fixed = warren.send("POST", path(8000, "/upload"), HttpRequest.BodyPublishers.ofByteArray(upload), Map.of(), warren.token());
    assertThat(fixed.json().path("sha256").asString()).isEqualTo(sha);
    Resp chunked = warren.send("POST", path(8000, "/upload"),
        HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(upload)), Map.of(), warren.token());
    assertThat(chunked.json().path("length").asLong()).isEqualTo(n);
    assertThat(chunked.json().path("sha256").asString()).isEqualTo(sha);
  }

  @Test
  void aMintedUrlSurvivesAControllerRestart() throws Exception {
    String url = warren.post(path(8001, "/url"), "{\"access\": \"public\"}").json().path("url").asString();
    warren.restart();
    String moved = url.replaceAll("^http://[^/]+", warren.base().toString().replaceAll("/$", ""));
    HttpResponse<String> page = anonymous(moved + "after");
    assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
    assertThat(page.body()).isEqualTo("hello from the app at /after");
  }

  /** Sends "ping" over a WebSocket and returns the first text answer. */
  static String echo(String url, Map<String, String> headers) throws Exception {
    CompletableFuture<String> first = new CompletableFuture<>();
    WebSocket.Builder b = HTTP.newWebSocketBuilder();
    headers.forEach(b::header);
    WebSocket ws = b.buildAsync(URI.create(url), new WebSocket.Listener() {
      @Override
      public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
        first.complete(data.toString());
        return null;
      }

      @Override
      public CompletionStage<?> onClose(WebSocket w, int code, String reason) {
        first.completeExceptionally(new IllegalStateException("closed " + code + " " + reason));
        return null;
      }

      @Override
      public void onError(WebSocket w, Throwable error) {
        first.completeExceptionally(error);
      }
    }).get(20, TimeUnit.SECONDS);
    try {
      ws.sendText("ping", true).get(10, TimeUnit.SECONDS);
      return first.get(10, TimeUnit.SECONDS);
    } finally {
      if (!ws.isOutputClosed()) {
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(10, TimeUnit.SECONDS);
      }
    }
  }

  /** One request to Warren's port with the given Host (the JDK client will not send another Host); the whole answer. */
  static String raw(String host, String target, String cookie) throws IOException {
    return raw(host, target, cookie, "Connection: close\r\n");
  }

  static String raw(String host, String target, String cookie, String headers) throws IOException {
    try (Socket s = new Socket(warren.base().getHost(), warren.base().getPort())) {
      s.setSoTimeout(30_000);
      OutputStream out = s.getOutputStream();
      out.write(("GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\n" + (cookie == null ? "" : "Cookie: " + cookie + "\r\n")
          + headers + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }
}
