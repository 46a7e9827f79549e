package dev.warren.net;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.warren.testing.OutsideHost;
import dev.warren.testing.TestWarren;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The only way out of a sandbox is Warren's proxy, and it follows each sandbox's policy. The origin
 * and the upstream proxy live on the {@link OutsideHost#shared() outside host}: the proxy never
 * connects to Warren's own host.
 */
class SandboxEgressTest {
  static TestWarren warren;
  static HttpServer origin;
  static int originPort;
  static ServerSocket upstream;
  static final List<String> upstreamAuth = new CopyOnWriteArrayList<>();
  static final List<String> upstreamRequests = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws IOException {
    warren = TestWarren.start();
    origin = OutsideHost.shared().http(ex -> {
      byte[] body = ("hello from the origin " + ex.getRequestURI()).getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    originPort = origin.getAddress().getPort();
    upstream = OutsideHost.shared().serverSocket();
    Thread.ofVirtual().start(SandboxEgressTest::upstreamLoop);
  }

  /** A minimal upstream proxy: records the request and its Proxy-Authorization, answers itself. */
  static void upstreamLoop() {
    while (!upstream.isClosed()) {
      try (Socket s = upstream.accept()) {
        InputStream in = s.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
          int c = in.read();
          if (c < 0) {
            break;
          }
          head.append((char) c);
        }
        String[] lines = head.toString().split("\r\n");
        upstreamRequests.add(lines[0]);
        for (String l : lines) {
          if (l.toLowerCase().startsWith("proxy-authorization:")) {
            upstreamAuth.add(l.substring(20).strip());
          }
        }
        byte[] body = "via the upstream proxy".getBytes(StandardCharsets.UTF_8);
        OutputStream out = s.getOutputStream();
        out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        out.write(body);
        out.flush();
      } catch (IOException e) {
        // closed at the end of the test
      }
    }
  }

  @AfterAll
  static void stop() throws IOException {
    if (origin != null) {
      origin.stop(0);
    }
    if (upstream != null) {
      upstream.close();
    }
    if (warren != null) {
      warren.close();
    }
  }

  private static String curl(String id, String url) {
    JsonNode r = warren.exec(id, "curl -s --noproxy '' -m 10 -w ' %{http_code}' " + url);
    return r.path("stdout").asString();
  }

  @Test
  void egressIsDeniedByDefaultAndRecorded() {
    String id = warren.createSandbox("{}");
    String out = curl(id, "http://" + OutsideHost.shared().target(originPort) + "/secret");
    assertThat(out).endsWith(" 403").contains("not allowed");
    // the proxy records a connection once it has ended, which may be just after curl has its answer
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5))
        .until(() -> warren.get("/v1/sandboxes/" + id + "/egress").json().path("events").size() > 0);
    JsonNode events = warren.get("/v1/sandboxes/" + id + "/egress").json().path("events");
    assertThat(events).hasSize(1);
    assertThat(events.get(0).path("host").asString()).isEqualTo(OutsideHost.shared().host());
    assertThat(events.get(0).path("port").asInt()).isEqualTo(originPort);
    assertThat(events.get(0).path("allowed").asBoolean()).isFalse();
    warren.delete("/v1/sandboxes/" + id);
  }

  @Test
  void egressAllowedByPolicyReachesTheOriginAndOnlyThere() {
    String id = warren.createSandbox("{\"egress\": {\"allow\": [\"" + OutsideHost.shared().target(originPort) + "\"]}}");
    assertThat(curl(id, "http://" + OutsideHost.shared().target(originPort) + "/page")).isEqualTo("hello from the origin /page 200");
    assertThat(curl(id, "http://localhost:" + (originPort == 65535 ? 1 : originPort + 1) + "/")).endsWith(" 403");
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5))
        .until(() -> warren.get("/v1/sandboxes/" + id + "/egress").json().path("events").size() >= 2);
    JsonNode events = warren.get("/v1/sandboxes/" + id + "/egress").json().path("events");
    assertThat(events).hasSize(2);
    assertThat(events.get(1).path("allowed").asBoolean()).isTrue();
    assertThat(events.get(1).path("bytesIn").asLong()).isPositive();
    warren.delete("/v1/sandboxes/" + id);
  }

  @Test
  void upstreamProxyCredentialsAreAddedByWarrenAndNeverEnterTheSandbox() {
    String secret = "s3cr3t-" + System.nanoTime();
    String upstreamUrl = "http://agent:" + secret + "@" + OutsideHost.shared().target(upstream.getLocalPort());
    String id = warren.createSandbox(TestWarren.json(Map.of("egress", Map.of(
        "allow", List.of("example.test"), "upstreamProxy", upstreamUrl))));
    assertThat(curl(id, "http://example.test/through")).isEqualTo("via the upstream proxy 200");
    assertThat(upstreamRequests).contains("GET http://example.test/through HTTP/1.1");
    assertThat(upstreamAuth).contains("Basic " + Base64.getEncoder().encodeToString(("agent:" + secret).getBytes(StandardCharsets.UTF_8)));

    // the command names the secret in two halves so that its own command line does not contain it
    String half = secret.substring(0, 4);
    String rest = secret.substring(4);
    JsonNode inside = warren.exec(id, "env; cat /proc/1/environ | tr '\\0' '\\n'; cat /proc/*/cmdline 2>/dev/null | tr '\\0' ' '; "
        + "a='" + half + "'; b='" + rest + "'; grep -rs \"$a$b\" /etc /root /tmp /run /.warren /workspace; echo end");
    assertThat(inside.path("stdout").asString()).doesNotContain(secret).endsWith("end\n");
    String api = warren.get("/v1/sandboxes/" + id).text();
    assertThat(api).doesNotContain(secret).contains("agent:***@" + OutsideHost.shared().host());
    assertThat(warren.log(500)).doesNotContain(secret);
    warren.delete("/v1/sandboxes/" + id);
  }

  @Test
  void badEgressPoliciesAreRefusedWithTheField() {
    var r = warren.post("/v1/sandboxes", "{\"egress\": {\"allow\": [\"exa mple.com\"]}}");
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.json().path("field").asString()).isEqualTo("egress.allow");
    var up = warren.post("/v1/sandboxes", "{\"egress\": {\"upstreamProxy\": \"ftp://x:1\"}}");
    assertThat(up.status()).isEqualTo(400);
    assertThat(up.json().path("field").asString()).isEqualTo("egress.upstreamProxy");
  }
}
