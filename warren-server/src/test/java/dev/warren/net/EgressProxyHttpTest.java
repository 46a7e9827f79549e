package dev.warren.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.warren.testing.OutsideHost;
import java.io.IOException;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EgressProxyHttpTest {

  /** What the origin saw. */
  record Seen(String method, URI uri, Map<String, List<String>> headers, String body) {}

  private final BlockingQueue<Seen> seen = new LinkedBlockingQueue<>();
  private HttpServer origin;
  private ProxyFixture fixture;
  private HttpClient http;

  @BeforeEach
  void start() throws IOException {
    origin = OutsideHost.shared().http(this::handle);
    fixture = new ProxyFixture();
    http = HttpClient.newBuilder()
        .proxy(ProxySelector.of(fixture.address()))
        .connectTimeout(Duration.ofSeconds(5))
        .build();
  }

  @AfterEach
  void stop() {
    http.close();
    fixture.close();
    origin.stop(0);
  }

  private void handle(HttpExchange exchange) throws IOException {
    String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    seen.add(new Seen(exchange.getRequestMethod(), exchange.getRequestURI(),
        Map.copyOf(exchange.getRequestHeaders()), body));
    byte[] answer = (exchange.getRequestMethod() + " " + exchange.getRequestURI() + " " + body)
        .getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("X-Origin", "yes");
    exchange.sendResponseHeaders(201, answer.length);
    exchange.getResponseBody().write(answer);
    exchange.close();
  }

  private String target() {
    return OutsideHost.shared().target(origin.getAddress().getPort());
  }

  private URI originUri(String pathAndQuery) {
    return URI.create("http://" + target() + pathAndQuery);
  }

  private Seen nextSeen() throws InterruptedException {
    Seen s = seen.poll(5, TimeUnit.SECONDS);
    assertThat(s).as("a request at the origin within 5 s").isNotNull();
    return s;
  }

  @Test
  void getReachesTheOriginInOriginFormAndTheAnswerComesBackIntact() throws Exception {
    fixture.allow(target());
    HttpResponse<String> response = http.send(
        HttpRequest.newBuilder(originUri("/things?id=7")).header("X-Custom", "kept").GET().build(),
        HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(201);
    assertThat(response.headers().firstValue("X-Origin")).contains("yes");
    assertThat(response.body()).isEqualTo("GET /things?id=7 ");
    Seen request = nextSeen();
    assertThat(request.uri().toString()).isEqualTo("/things?id=7");
    assertThat(request.headers().get("X-custom")).containsExactly("kept");
    assertThat(request.headers().get("Connection")).containsExactly("close");
    EgressEvent event = fixture.nextEvent();
    assertThat(event.method()).isEqualTo("GET");
    assertThat(event.host()).isEqualTo(OutsideHost.shared().host());
    assertThat(event.port()).isEqualTo(origin.getAddress().getPort());
    assertThat(event.allowed()).isTrue();
    assertThat(event.bytesOut()).isPositive();
    assertThat(event.bytesIn()).isGreaterThan(response.body().length());
  }

  @Test
  void postBodyIsStreamedToTheOrigin() throws Exception {
    fixture.allow(target());
    String body = "payload-".repeat(10_000);
    HttpResponse<String> response = http.send(
        HttpRequest.newBuilder(originUri("/upload"))
            .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(201);
    assertThat(response.body()).isEqualTo("POST /upload " + body);
    assertThat(nextSeen().body()).isEqualTo(body);
    EgressEvent event = fixture.nextEvent();
    assertThat(event.bytesOut()).isGreaterThan(body.length());
    assertThat(event.bytesIn()).isGreaterThan(body.length());
  }

  @Test
  void chunkedBodyIsStreamedToTheOrigin() throws Exception {
    String target = target();
    fixture.allow(target);
    try (RawClient client = fixture.client()) {
      client.send("PUT http://" + target + "/chunks HTTP/1.1\r\nHost: " + target
          + "\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
      assertThat(client.readHead()).startsWith("HTTP/1.1 201 ");
      assertThat(client.readToEnd()).isEqualTo("PUT /chunks hello world");
    }
    assertThat(nextSeen().body()).isEqualTo("hello world");
  }

  @Test
  void hopByHopHeadersAndTheClientsProxyCredentialsAreNotForwarded() throws Exception {
    fixture.allow(target());
    try (RawClient client = fixture.client()) {
      client.send("GET http://" + target() + "/h HTTP/1.1\r\n"
          + "Host: somewhere-else.example\r\n"
          + "Proxy-Authorization: Basic c2FuZGJveDpzZWNyZXQ=\r\n"
          + "Proxy-Connection: keep-alive\r\n"
          + "Connection: keep-alive, X-Hop\r\n"
          + "Keep-Alive: timeout=5\r\n"
          + "X-Hop: dropped\r\n"
          + "TE: trailers\r\n"
          + "X-End-To-End: kept\r\n\r\n");
      assertThat(client.readHead()).startsWith("HTTP/1.1 201 ");
      assertThat(client.readToEnd()).isEqualTo("GET /h ");
    }
    Seen request = nextSeen();
    assertThat(request.headers().keySet()).doesNotContain(
        "Proxy-authorization", "Proxy-connection", "Keep-alive", "X-hop", "Te");
    assertThat(request.headers().get("Host")).containsExactly(target());
    assertThat(request.headers().get("Connection")).containsExactly("close");
    assertThat(request.headers().get("X-end-to-end")).containsExactly("kept");
  }

  @Test
  void deniedRequestGetsForbiddenWithTheReason() throws Exception {
    HttpResponse<String> response = http.send(
        HttpRequest.newBuilder(originUri("/secret")).GET().build(),
        HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(response.body()).isEqualTo(
        "egress not allowed by policy: " + target() + "\n");
    assertThat(seen).isEmpty();
    assertThat(fixture.nextEvent().allowed()).isFalse();
  }

  @Test
  void httpsUrlsInPlainRequestsAreRejected() throws Exception {
    fixture.allow("*");
    try (RawClient client = fixture.client()) {
      client.send("GET https://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n");
      assertThat(client.readHead()).startsWith("HTTP/1.1 400 ");
      assertThat(client.readToEnd()).contains("CONNECT");
    }
  }

  /** An origin that answers the first request with {@code answer} and then echoes whatever follows. */
  private static java.net.ServerSocket upgradingOrigin(String answer) {
    java.net.ServerSocket server = OutsideHost.shared().serverSocket();
    Thread.ofVirtual().start(() -> {
      try (java.net.Socket s = server.accept()) {
        var in = s.getInputStream();
        String head = "";
        while (!head.endsWith("\r\n\r\n")) {
          int c = in.read();
          if (c < 0) {
            return;
          }
          head += (char) c;
        }
        s.getOutputStream().write(answer.getBytes(StandardCharsets.ISO_8859_1));
        in.transferTo(s.getOutputStream());
      } catch (IOException e) {
        // the test is over
      }
    });
    return server;
  }

  @Test
  void anUpgradeBecomesATunnelOnlyOnceTheOriginAnswers101() throws Exception {
    try (java.net.ServerSocket ws = upgradingOrigin("HTTP/1.1 101 Switching Protocols\r\nUpgrade: test\r\nConnection: Upgrade\r\n\r\n")) {
      String target = OutsideHost.shared().target(ws.getLocalPort());
      fixture.allow(target);
      try (RawClient client = fixture.client()) {
        client.send("GET http://" + target + "/ws HTTP/1.1\r\nHost: " + target + "\r\nConnection: Upgrade\r\nUpgrade: test\r\n\r\nearly");
        assertThat(client.readHead()).startsWith("HTTP/1.1 101 ");
        assertThat(new String(client.readExactly(5), StandardCharsets.ISO_8859_1)).isEqualTo("early");
        client.send("more");
        assertThat(new String(client.readExactly(4), StandardCharsets.ISO_8859_1)).isEqualTo("more");
      }
    }
  }

  @Test
  void withoutA101TheBytesAfterAnUpgradeRequestAreNotForwarded() throws Exception {
    try (java.net.ServerSocket ws = upgradingOrigin("HTTP/1.1 400 No\r\nContent-Length: 3\r\n\r\nno!")) {
      String target = OutsideHost.shared().target(ws.getLocalPort());
      fixture.allow(target);
      try (RawClient client = fixture.client()) {
        client.send("GET http://" + target + "/ws HTTP/1.1\r\nHost: " + target + "\r\nConnection: Upgrade\r\nUpgrade: test\r\n\r\n"
            + "GET /smuggled HTTP/1.1\r\n\r\n");
        assertThat(client.readHead()).startsWith("HTTP/1.1 400 No");
        assertThat(new String(client.readExactly(3), StandardCharsets.ISO_8859_1)).isEqualTo("no!");
        client.socket.setSoTimeout(500);
        assertThatThrownBy(client::read).as("the origin echoed nothing: it never got the bytes after the request")
            .isInstanceOf(java.net.SocketTimeoutException.class);
      }
    }
  }
}
