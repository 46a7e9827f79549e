package dev.warren.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.warren.stream.WsClient;
import dev.warren.testing.TestWarren;
import dev.warren.testing.TestWarren.Resp;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Signed URLs (CDP, live view, VNC) and dashboard logins die with the named API token that made
 * them: after {@code DELETE /v1/tokens/{id}} none of them opens anything, and every WebSocket
 * opened with them (or with the token itself) is closed with 4003 and a reason. What the admin
 * token made keeps working, and the browser keeps running.
 */
class SignedUrlRevocationTest {
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);

  @Test
  void revokingATokenKillsItsSignedUrlsDashboardLoginsAndOpenSockets() throws Exception {
    TestWarren.ensureImage("browser");
    try (TestWarren warren = TestWarren.start()) {
      Resp made = warren.post("/v1/tokens", "{\"name\": \"tenant\"}");
      String tenant = made.json().path("token").asString();
      String tenantId = made.json().path("id").asString();
      Resp created = warren.send("POST", "/v1/browsers", HttpRequest.BodyPublishers.ofString("{\"headless\": false}"),
          Map.of("Content-Type", "application/json"), tenant);
      assertThat(created.status()).as(created.toString()).isEqualTo(201);
      String brw = created.json().path("id").asString();
      String sbx = created.json().path("sandboxId").asString();
      String cdpUrl = created.json().path("cdpUrl").asString();
      String liveToken = query(created.json().path("liveControlUrl").asString());
      Resp vncMade = warren.send("POST", "/v1/sandboxes/" + sbx + "/vnc-url", HttpRequest.BodyPublishers.ofString("{}"),
          Map.of("Content-Type", "application/json"), tenant);
      assertThat(vncMade.status()).as(vncMade.toString()).isEqualTo(201);
      String vncUrl = vncMade.json().path("url").asString();
      String adminCdpUrl = warren.get("/v1/browsers/" + brw).json().path("cdpUrl").asString();
      String box = warren.createSandbox("{}");
      Resp rootMade = warren.send("POST", "/v1/browsers/" + brw + "/devtools-root", HttpRequest.BodyPublishers.noBody(), Map.of(), tenant);
      assertThat(rootMade.status()).as(rootMade.toString()).isEqualTo(200);
      URI root = URI.create(rootMade.json().path("browserUrl").asString() + "/json/version");
      Resp fromRoot = plainGet(root);
      assertThat(fromRoot.status()).as(fromRoot.toString()).isEqualTo(200);
      String rootCdpUrl = fromRoot.json().path("webSocketDebuggerUrl").asString();
      Resp session = warren.send("POST", "/v1/sandboxes/" + box + "/sessions", HttpRequest.BodyPublishers.ofString("{}"),
          Map.of("Content-Type", "application/json"), tenant);
      assertThat(session.status()).as(session.toString()).isEqualTo(201);
      String sessionPath = "/v1/sandboxes/" + box + "/sessions/" + session.json().path("id").asString();
      Resp sleeping = warren.send("POST", sessionPath + "/commands", HttpRequest.BodyPublishers.ofString(
          "{\"command\": \"echo started; sleep 120\", \"async\": true}"), Map.of("Content-Type", "application/json"), tenant);
      assertThat(sleeping.status()).as(sleeping.toString()).isEqualTo(202);
      java.net.http.HttpClient sseClient = java.net.http.HttpClient.newHttpClient();
      java.util.concurrent.BlockingQueue<String> sseLines = new java.util.concurrent.LinkedBlockingQueue<>();
      java.util.concurrent.CompletableFuture<?> sse = sseClient.sendAsync(HttpRequest.newBuilder(warren.base().resolve(
          sessionPath + "/commands/" + sleeping.json().path("id").asString() + "/logs?follow=true"))
          .header("Authorization", "Bearer " + tenant).build(), java.net.http.HttpResponse.BodyHandlers.ofLines())
          .thenAccept(r -> r.body().forEach(sseLines::add));
      assertThat(awaitLine(sseLines, "event: output")).as("the followed output of a running command").isNotNull();
      DashboardLogin login = DashboardLogin.of(warren, tenant);
      assertThat(login.get(warren, "/v1/sandboxes").status()).isEqualTo(200);

      WsClient cdp = WsClient.open(URI.create(cdpUrl), false);
      WsClient adminCdp = WsClient.open(URI.create(adminCdpUrl), false);
      WsClient live = WsClient.open(live(warren, brw, "v-tenant", liveToken), false);
      WsClient vnc = WsClient.open(URI.create(vncUrl), false);
      WsClient pty = WsClient.open(URI.create("ws://" + warren.base().getAuthority() + "/v1/sandboxes/" + box + "/pty?token=" + tenant), false);
      try {
        assertThat(version(cdp, 1)).contains("Chrome");
        assertThat(version(adminCdp, 1)).contains("Chrome");
        live.await("hello", Duration.ofSeconds(30));
        assertThat(new String(vnc.binary.poll(30, TimeUnit.SECONDS), StandardCharsets.US_ASCII)).startsWith("RFB 003.");
        pty.send("echo $((40+2))-ready\r");
        assertThat(awaitOutput(pty, "42-ready")).isTrue();

        assertThat(warren.delete("/v1/tokens/" + tenantId).status()).isEqualTo(204);

        for (WsClient c : List.of(cdp, live, vnc, pty)) {
          WsClient.Closed closed = c.awaitClose(CLOSE_WAIT);
          assertThat(closed.code()).as("%s", closed).isEqualTo(4003);
          assertThat(closed.reason()).contains("revoked");
        }
        // a followed command output (Server-Sent Events) opened with the token ends too, saying why
        sse.get(CLOSE_WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(String.join("\n", sseLines)).contains("revoked").doesNotContain("event: exit");
        sseClient.close();
        // what the admin token made is untouched
        assertThat(adminCdp.closed).isNotDone();
        assertThat(version(adminCdp, 2)).contains("Chrome");
      } finally {
        for (WsClient c : List.of(cdp, adminCdp, live, vnc, pty)) {
          c.close();
        }
      }

      // nothing the revoked token made opens anything any more
      Resp rootAfter = plainGet(root);
      assertThat(rootAfter.status()).as("the tenant's DevTools root port: %s", rootAfter).isEqualTo(403);
      assertThat(rootAfter.text()).contains("revoked").doesNotContain("wst.");
      assertThatThrownBy(() -> WsClient.open(URI.create(rootCdpUrl), false))
          .satisfies(e -> assertThat(handshake(e).getResponse().statusCode()).isEqualTo(403));
      Resp json = warren.send("GET", "/v1/browsers/" + brw + "/json/version?token=" + query(cdpUrl), HttpRequest.BodyPublishers.noBody(),
          Map.of(), null);
      assertThat(json.status()).as(json.toString()).isEqualTo(403);
      assertThat(json.json().path("detail").asString()).contains("revoked");
      assertThatThrownBy(() -> WsClient.open(URI.create(cdpUrl), false))
          .satisfies(e -> assertThat(handshake(e).getResponse().statusCode()).isEqualTo(403));
      Resp page = warren.send("GET", "/live/browsers/" + brw + "?token=" + liveToken, HttpRequest.BodyPublishers.noBody(), Map.of(), null);
      assertThat(page.status()).isEqualTo(401);
      assertThat(page.text()).contains("revoked");
      for (URI refused : List.of(live(warren, brw, "v-tenant", liveToken), URI.create(vncUrl))) {
        try (WsClient c = WsClient.open(refused, false)) {
          WsClient.Closed closed = c.awaitClose(CLOSE_WAIT);
          assertThat(closed.code()).isEqualTo(4003);
          assertThat(closed.reason()).contains("revoked");
        }
      }
      assertThat(warren.send("GET", "/v1/sandboxes", HttpRequest.BodyPublishers.noBody(), Map.of(), tenant).status()).isEqualTo(401);
      Resp dashboard = login.get(warren, "/v1/sandboxes");
      assertThat(dashboard.status()).as("the tenant's dashboard login: %s", dashboard).isEqualTo(401);

      // the browser, its sandbox and the admin's URLs are unharmed
      Resp adminJson = warren.send("GET", "/v1/browsers/" + brw + "/json/version?token=" + query(adminCdpUrl),
          HttpRequest.BodyPublishers.noBody(), Map.of(), null);
      assertThat(adminJson.status()).as(adminJson.toString()).isEqualTo(200);
      assertThat(warren.get("/v1/browsers/" + brw).json().path("state").asString()).isEqualTo("ready");
      assertThat(warren.exec(box, "echo ok").path("stdout").asString()).isEqualTo("ok\n");
      assertThat(warren.delete("/v1/browsers/" + brw).status()).isEqualTo(204);
    }
  }

  /** A GET with no credentials at all (a DevTools root port takes none: it knows its caller's uid). */
  private static Resp plainGet(URI uri) throws Exception {
    try (java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient()) {
      java.net.http.HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(20)).build(),
          java.net.http.HttpResponse.BodyHandlers.ofByteArray());
      return new Resp(r.statusCode(), r.body(), r);
    }
  }

  private static URI live(TestWarren warren, String brw, String viewer, String token) {
    return URI.create("ws://" + warren.base().getAuthority() + "/v1/browsers/" + brw + "/live?viewer=" + viewer + "&token=" + token);
  }

  private static String query(String url) {
    return URI.create(url).getQuery().replace("token=", "");
  }

  private static String version(WsClient cdp, int id) throws InterruptedException {
    cdp.send("{\"id\": " + id + ", \"method\": \"Browser.getVersion\"}");
    JsonNode r = cdp.await(m -> m.path("id").asInt() == id, Duration.ofSeconds(20), "answer " + id);
    return r.path("result").path("product").asString();
  }

  private static String awaitLine(java.util.concurrent.BlockingQueue<String> lines, String text) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      String line = lines.poll(500, TimeUnit.MILLISECONDS);
      if (line != null && line.contains(text)) {
        return line;
      }
    }
    return null;
  }

  private static boolean awaitOutput(WsClient pty, String text) throws InterruptedException {
    StringBuilder seen = new StringBuilder();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      byte[] b = pty.binary.poll(500, TimeUnit.MILLISECONDS);
      if (b != null) {
        seen.append(new String(b, StandardCharsets.UTF_8));
        if (seen.toString().contains(text)) {
          return true;
        }
      }
    }
    return false;
  }

  /** The refused handshake among {@code t} and its causes. */
  private static WebSocketHandshakeException handshake(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof WebSocketHandshakeException h) {
        return h;
      }
    }
    throw new AssertionError("not a refused handshake", t);
  }
}
