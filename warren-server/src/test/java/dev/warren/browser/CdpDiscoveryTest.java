package dev.warren.browser;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.testing.TestWarren;
import dev.warren.testing.WarrenFixture;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * Chromium's DevTools HTTP endpoints through Warren: /json/new, /json/protocol, the tokened HTTP
 * root, unknown endpoints and actions, and the loopback DevTools root with its lock (another uid
 * is refused). The npm clients themselves run in WarrenClientsTest.
 */
class CdpDiscoveryTest {
  static final HttpClient HTTP = HttpClient.newHttpClient();

  @RegisterExtension
  static final WarrenFixture warren = WarrenFixture.withBrowserImage();

  @Test
  void newTargetsAndTheProtocolAreServedWithDebuggerUrlsThroughWarren() throws Exception {
    JsonNode b = warren.server().post("/v1/browsers", "{}").json();
    String id = b.path("id").asString();
    try {
      TestWarren.Resp created = warren.server().send("PUT", "/v1/browsers/" + id + "/json/new?about:blank", HttpRequest.BodyPublishers.noBody(),
          java.util.Map.of(), warren.server().token());
      assertThat(created.status()).as("%s", created).isEqualTo(200);
      assertThat(created.json().path("webSocketDebuggerUrl").asString())
          .startsWith("ws://" + warren.server().base().getAuthority() + "/v1/browsers/" + id + "/devtools/page/" + created.json().path("id").asString())
          .contains("?token=wst.");
      assertThat(warren.server().get("/v1/browsers/" + id + "/json/list").json().findValuesAsString("id")).contains(created.json().path("id").asString());

      TestWarren.Resp protocol = warren.server().get("/v1/browsers/" + id + "/json/protocol");
      assertThat(protocol.status()).isEqualTo(200);
      assertThat(protocol.json().path("domains").findValuesAsString("domain")).contains("Page", "Runtime", "Target");
      // at the root too, without a token (chrome-remote-interface fetches it from the debugger URL's host): public data
      TestWarren.Resp root = warren.server().send("GET", "/json/protocol", HttpRequest.BodyPublishers.noBody(), java.util.Map.of(), null);
      assertThat(root.status()).isEqualTo(200);
      assertThat(root.body()).isEqualTo(protocol.body());

      // the tokened HTTP root answers without a header
      String discovery = b.path("cdpDiscoveryUrl").asString();
      assertThat(discovery).isEqualTo(b.path("cdpHttpUrl").asString() + discovery.substring(discovery.indexOf('?')));
      assertThat(fetch(URI.create(discovery.replace("?", "/json/version/?"))).statusCode()).isEqualTo(200);
      assertThat(fetch(URI.create(b.path("cdpHttpUrl").asString() + "/json/version")).statusCode()).isEqualTo(401);

      TestWarren.Resp unknown = warren.server().get("/v1/browsers/" + id + "/json/nope");
      assertThat(unknown.status()).isEqualTo(404);
      assertThat(unknown.json().path("detail").asString()).contains("/json/version", "/json/new", "/json/protocol");
    } finally {
      warren.server().delete("/v1/browsers/" + id);
    }
  }

  @Test
  void anUnknownActionIsA404ThatListsTheActions() {
    TestWarren.Resp r = warren.server().post("/v1/browsers/brw_00000000000000000000000000/actions/scroll", "{}");
    assertThat(r.status()).isEqualTo(404);
    assertThat(r.json().path("detail").asString()).contains("no browser action scroll").contains("navigate, waitFor, click, type");
    assertThat(r.json().path("actions").toString()).contains("\"screenshot\"", "\"pdf\"");
  }

  @Test
  void theLoopbackRootAnswersItsOwnerOnlyAndClosesWithItsSession() throws Exception {
    String id = warren.server().post("/v1/browsers", "{}").json().path("id").asString();
    JsonNode root;
    try {
      root = warren.server().post("/v1/browsers/" + id + "/devtools-root", null).json();
      assertThat(root.path("browserUrl").asString()).isEqualTo("http://127.0.0.1:" + root.path("port").asInt());
      // the same port for the same owner
      assertThat(warren.server().post("/v1/browsers/" + id + "/devtools-root", null).json().path("port").asInt()).isEqualTo(root.path("port").asInt());

      HttpResponse<String> version = fetch(URI.create(root.path("browserUrl").asString() + "/json/version"));
      assertThat(version.statusCode()).isEqualTo(200);
      assertThat(version.body()).contains("\"webSocketDebuggerUrl\":\"ws://" + warren.server().base().getAuthority() + "/v1/browsers/" + id + "/cdp?token=wst.");

      // someone else on the host (uid nobody) is refused, and learns no token
      String other = asNobody("curl", "-s", "-w", " %{http_code}", root.path("browserUrl").asString() + "/json/version");
      assertThat(other).endsWith(" 403").contains("answers uid 0 only").doesNotContain("token");
    } finally {
      warren.server().delete("/v1/browsers/" + id);
    }
    assertThat(asNobody("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", root.path("browserUrl").asString() + "/json/version"))
        .as("the port closed with its session").isEqualTo("000");
  }

  private static HttpResponse<String> fetch(URI uri) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String asNobody(String... argv) throws IOException, InterruptedException {
    List<String> cmd = new java.util.ArrayList<>(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"));
    cmd.addAll(List.of(argv));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
  }
}
