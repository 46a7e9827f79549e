package dev.warren.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.testing.OutsideHost;
import dev.warren.testing.TestWarren;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/**
 * Request smuggling and cross-site tracing through the egress proxy, from inside a sandbox, against
 * an origin that serves every request it can parse on a connection ({@link LenientOrigin}): the
 * proxy checks one request per connection, so nothing after that request's body may reach the
 * origin; framing the proxy and an origin could read differently is refused; TRACE and TRACK are
 * refused; the upstream credentials Warren adds never come back to the sandbox.
 */
class ProxySmugglingTest {
  static final String SECRET = "up-" + Long.toHexString(System.nanoTime());
  static TestWarren warren;
  static ProxyProbe probe;
  static OutsideHost outside;
  static LenientOrigin origin;
  static LenientOrigin upstream;
  static String sandbox;
  static String viaUpstream;
  static String o;

  @BeforeAll
  static void start() {
    outside = OutsideHost.create();
    origin = new LenientOrigin(outside);
    upstream = new LenientOrigin(outside);
    o = origin.target();
    warren = TestWarren.start();
    probe = new ProxyProbe(warren);
    sandbox = warren.createSandbox(TestWarren.json(Map.of("egress", Map.of("allow", List.of(o)))));
    viaUpstream = warren.createSandbox(TestWarren.json(Map.of("egress", Map.of("allow", List.of("example.test"),
        "upstreamProxy", "http://agent:" + SECRET + "@" + upstream.target()))));
    probe.install(sandbox);
    probe.install(viaUpstream);
  }

  @AfterAll
  static void stop() throws Exception {
    if (warren != null) {
      warren.close();
    }
    if (origin != null) {
      origin.close();
      upstream.close();
    }
    if (outside != null) {
      outside.close();
    }
  }

  @BeforeEach
  void clear() {
    origin.clear();
    upstream.clear();
  }

  private static List<String> seen() {
    return origin.requests().stream().map(r -> r.method() + " " + r.target() + " " + r.body()).toList();
  }

  @Test
  void aPipelinedSecondRequestNeverReachesTheOrigin() {
    String answer = probe.raw(sandbox, "GET http://" + o + "/first HTTP/1.1\r\nHost: " + o + "\r\n\r\n"
        + "GET http://evil.test/second HTTP/1.1\r\nHost: evil.test\r\n\r\n", 3);
    assertThat(answer).startsWith("HTTP/1.1 200 OK").contains("saw GET /first").doesNotContain("second");
    assertThat(seen()).containsExactly("GET /first ");
    JsonNode events = warren.get("/v1/sandboxes/" + sandbox + "/egress").json().path("events");
    assertThat(events.toString()).doesNotContain("evil.test");
  }

  @Test
  void bytesAfterAContentLengthBodyNeverReachTheOrigin() {
    String answer = probe.raw(sandbox, "POST http://" + o + "/a HTTP/1.1\r\nHost: " + o + "\r\nContent-Length: 5\r\n\r\n"
        + "helloGET /smuggled HTTP/1.1\r\nHost: " + o + "\r\n\r\n", 3);
    assertThat(answer).startsWith("HTTP/1.1 200 OK").contains("saw POST /a").doesNotContain("saw GET /smuggled");
    assertThat(seen()).containsExactly("POST /a hello");
  }

  @Test
  void bytesAfterAChunkedBodyNeverReachTheOriginAndChunkExtensionsAndTrailersAreDropped() {
    String answer = probe.raw(sandbox, "POST http://" + o + "/c HTTP/1.1\r\nHost: " + o + "\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "5;ext=x\r\nhello\r\n0\r\nX-Trailer: smuggled\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: " + o + "\r\n\r\n", 3);
    assertThat(answer).startsWith("HTTP/1.1 200 OK").contains("saw POST /c");
    assertThat(seen()).containsExactly("POST /c hello");
    assertThat(origin.requests().getFirst().head()).doesNotContain("X-Trailer").doesNotContain("ext=x");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "Content-Length: 5\r\nTransfer-Encoding: chunked",
      "Transfer-Encoding: chunked\r\nContent-Length: 5",
      "Content-Length: 5\r\nContent-Length: 5",
      "Content-Length: 5\r\nContent-Length: 50",
      "Content-Length: 5, 5",
      "Content-Length: +5",
      "Content-Length: 0x5",
      "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked",
      "Transfer-Encoding: gzip, chunked",
      "Transfer-Encoding: xchunked",
      "Transfer-Encoding: chunked\r\n X-Folded: obs-fold",
      "Transfer-Encoding : chunked",
      "Transfer-Encoding:\tchunked\r\nContent-Length:\t5"})
  void ambiguousFramingIsRefusedBeforeAnythingReachesTheOrigin(String framing) {
    String answer = probe.raw(sandbox, "POST http://" + o + "/x HTTP/1.1\r\nHost: " + o + "\r\n" + framing + "\r\n\r\n"
        + "0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: " + o + "\r\n\r\n");
    assertThat(answer).as(framing).startsWith("HTTP/1.1 400 ");
    assertThat(seen()).as(framing).isEmpty();
  }

  @Test
  void transferEncodingInAnHttp10RequestIsRefused() {
    assertThat(probe.raw(sandbox, "POST http://" + o + "/x HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"))
        .startsWith("HTTP/1.1 400 ").contains("Transfer-Encoding in an HTTP/1.0 request");
    assertThat(seen()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"zz\r\nhello\r\n0\r\n\r\n", "5\nhello\r\n0\r\n\r\n", "3\r\nhello\r\n0\r\n\r\n", "-5\r\nhello\r\n0\r\n\r\n",
      "5 5\r\nhello\r\n0\r\n\r\n", "fffffffffffffffff\r\nx\r\n0\r\n\r\n"})
  void invalidChunkedBodiesAreCutOffAndTheOriginServesNothing(String chunks) {
    String answer = probe.raw(sandbox, "POST http://" + o + "/c HTTP/1.1\r\nHost: " + o + "\r\nTransfer-Encoding: chunked\r\n\r\n"
        + chunks + "GET /smuggled HTTP/1.1\r\nHost: " + o + "\r\n\r\n", 3);
    assertThat(answer).as(chunks).startsWith("HTTP/1.1 400 ").contains("invalid chunked body");
    assertThat(seen()).as(chunks).isEmpty();
    Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
        assertThat(warren.get("/v1/sandboxes/" + sandbox + "/egress").json().path("events").get(0).path("reason").asString())
            .contains("invalid chunked body"));
  }

  @Test
  void traceAndTrackAreRefusedAndReachNeitherTheOriginNorTheUpstream() {
    for (String method : List.of("TRACE", "TRACK", "trace")) {
      String direct = probe.raw(sandbox, method + " http://" + o + "/ HTTP/1.1\r\nHost: " + o + "\r\nMax-Forwards: 0\r\n\r\n");
      assertThat(direct).startsWith("HTTP/1.1 405 Method Not Allowed").contains("Allow: CONNECT, GET")
          .contains(method + " is refused by Warren's egress proxy");
      String through = probe.raw(viaUpstream, method + " http://example.test/ HTTP/1.1\r\nHost: example.test\r\nMax-Forwards: 0\r\n\r\n");
      assertThat(through).startsWith("HTTP/1.1 405 ");
    }
    assertThat(seen()).isEmpty();
    assertThat(upstream.requests()).isEmpty();
  }

  @Test
  void theUpstreamCredentialsWarrenAddsNeverComeBackToTheSandbox() {
    String token = Base64.getEncoder().encodeToString(("agent:" + SECRET).getBytes(StandardCharsets.UTF_8));
    // this upstream echoes what it received, credentials included (a misconfigured or hostile proxy)
    String answer = probe.raw(viaUpstream, "GET http://example.test/echo HTTP/1.1\r\nHost: example.test\r\n\r\n", 3);
    assertThat(upstream.requests()).singleElement().satisfies(r -> assertThat(r.head()).contains("Proxy-Authorization: Basic " + token));
    assertThat(answer).doesNotContain(token).doesNotContain(SECRET);
    String viaCurl = probe.get(viaUpstream, "http://example.test/again");
    assertThat(viaCurl).doesNotContain(token).doesNotContain(SECRET);
    Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
        assertThat(warren.get("/v1/sandboxes/" + viaUpstream + "/egress").json().path("events").toString())
            .contains("the answer carried the upstream proxy credentials Warren adds"));
  }
}
