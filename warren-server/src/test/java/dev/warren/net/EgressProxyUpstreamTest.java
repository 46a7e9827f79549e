package dev.warren.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.warren.testing.OutsideHost;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class EgressProxyUpstreamTest {

  private static final String PASSWORD = "s3cret";
  private static final String BASIC =
      "Basic " + Base64.getEncoder().encodeToString(("bob:" + PASSWORD).getBytes(StandardCharsets.UTF_8));
  private static final String SANDBOX_CREDENTIALS = "Basic c2FuZGJveDpvd24=";

  private final Logger netLogger = (Logger) LoggerFactory.getLogger("dev.warren.net");
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private EchoServer echo;
  private ProxyFixture fixture;

  @BeforeEach
  void start() throws IOException {
    logs.start();
    netLogger.addAppender(logs);
    echo = new EchoServer();
    fixture = new ProxyFixture();
  }

  @AfterEach
  void stop() throws IOException {
    fixture.close();
    echo.close();
    netLogger.detachAppender(logs);
    assertThat(logs.list)
        .as("no credentials in the logs")
        .allSatisfy(e -> assertThat(e.getFormattedMessage() + e.getThrowableProxy())
            .doesNotContain(PASSWORD).doesNotContain(BASIC.substring(6)));
  }

  private static URI upstreamUri(int port) {
    return URI.create("http://bob:" + PASSWORD + "@" + OutsideHost.shared().target(port));
  }

  private String echoTarget() {
    return echo.target();
  }

  @Test
  void connectGoesThroughTheUpstreamWithThePolicysCredentialsOnly() throws Exception {
    try (TestUpstreamProxy upstream = TestUpstreamProxy.tunnelling()) {
      fixture.allowVia(upstreamUri(upstream.port()), echoTarget());
      try (RawClient client = fixture.client()) {
        client.send("CONNECT " + echoTarget() + " HTTP/1.1\r\nHost: " + echoTarget()
            + "\r\nProxy-Authorization: " + SANDBOX_CREDENTIALS + "\r\n\r\n");
        assertThat(client.readHead()).startsWith("HTTP/1.1 200 ");
        client.send("via upstream");
        assertThat(new String(client.readExactly(12), StandardCharsets.UTF_8)).isEqualTo("via upstream");
        client.socket.shutdownOutput();
        assertThat(client.read()).isEqualTo(-1);
      }
      TestUpstreamProxy.Received received = upstream.nextRequest();
      assertThat(received.requestLine()).isEqualTo("CONNECT " + echoTarget() + " HTTP/1.1");
      assertThat(received.values("Proxy-Authorization")).containsExactly(BASIC);
      assertThat(received.values("Host")).containsExactly(echoTarget());
    }
    EgressEvent event = fixture.nextEvent();
    assertThat(event.allowed()).isTrue();
    assertThat(event.viaUpstream()).isTrue();
    assertThat(event.host()).isEqualTo(OutsideHost.shared().host());
    assertThat(event.port()).isEqualTo(echo.port());
    assertThat(event.bytesOut()).isEqualTo(12);
    assertThat(event.bytesIn()).isEqualTo(12);
  }

  @Test
  void plainRequestGoesToTheUpstreamInAbsoluteFormWithThePolicysCredentials() throws Exception {
    try (TestUpstreamProxy upstream = TestUpstreamProxy.tunnelling()) {
      fixture.allowVia(upstreamUri(upstream.port()), "example.com");
      try (RawClient client = fixture.client()) {
        client.send("GET http://Example.com/a?b=c HTTP/1.1\r\nHost: example.com\r\n"
            + "Proxy-Authorization: " + SANDBOX_CREDENTIALS + "\r\n\r\n");
        assertThat(client.readHead()).startsWith("HTTP/1.1 200 ");
        assertThat(client.readToEnd()).isEqualTo("from upstream");
      }
      TestUpstreamProxy.Received received = upstream.nextRequest();
      assertThat(received.requestLine()).isEqualTo("GET http://Example.com/a?b=c HTTP/1.1");
      assertThat(received.values("Proxy-Authorization")).containsExactly(BASIC);
      assertThat(received.values("Connection")).containsExactly("close");
    }
    EgressEvent event = fixture.nextEvent();
    assertThat(event.viaUpstream()).isTrue();
    assertThat(event.allowed()).isTrue();
    assertThat(event.host()).isEqualTo("example.com");
    assertThat(event.port()).isEqualTo(80);
  }

  @Test
  void upstreamRefusalBecomesBadGatewayWithoutCredentials() throws Exception {
    try (TestUpstreamProxy upstream = TestUpstreamProxy.refusing()) {
      fixture.allowVia(upstreamUri(upstream.port()), echoTarget());
      try (RawClient client = fixture.client()) {
        String head = client.connect(echoTarget());
        String body = client.readToEnd();
        assertThat(head).startsWith("HTTP/1.1 502 ");
        assertThat(body).isEqualTo("upstream proxy answered 407\n");
        assertThat(head + body).doesNotContain(PASSWORD).doesNotContain(BASIC.substring(6));
      }
      assertThat(upstream.nextRequest().values("Proxy-Authorization")).containsExactly(BASIC);
    }
    EgressEvent event = fixture.nextEvent();
    assertThat(event.allowed()).isFalse();
    assertThat(event.viaUpstream()).isTrue();
    assertThat(event.reason()).contains("upstream proxy answered 407");
  }

  @Test
  void unreachableUpstreamIsNamedWithItsPasswordMasked() throws Exception {
    int closedPort;
    try (ServerSocket s = OutsideHost.shared().serverSocket()) {
      closedPort = s.getLocalPort();
    }
    fixture.allowVia(upstreamUri(closedPort), echoTarget());
    try (RawClient client = fixture.client()) {
      assertThat(client.connect(echoTarget())).startsWith("HTTP/1.1 502 ");
      assertThat(client.readToEnd()).isEqualTo("cannot connect to upstream proxy http://bob:***@"
          + OutsideHost.shared().target(closedPort) + ": connection refused\n");
    }
    assertThat(fixture.nextEvent().reason().orElseThrow()).doesNotContain(PASSWORD);
  }

  @Test
  void policyStillAppliesBeforeTheUpstream() throws Exception {
    try (TestUpstreamProxy upstream = TestUpstreamProxy.tunnelling()) {
      fixture.allowVia(upstreamUri(upstream.port()), "example.com");
      try (RawClient client = fixture.client()) {
        assertThat(client.connect(echoTarget())).startsWith("HTTP/1.1 403 ");
      }
      assertThat(fixture.nextEvent().viaUpstream()).isFalse();
      assertThat(upstream.received).isEmpty();
    }
  }

  @Test
  void anUpstreamOnThisHostIsRefusedAndNeverContacted() throws Exception {
    try (ServerSocket local = new ServerSocket(0, 50, ProxyFixture.LOOPBACK)) {
      fixture.allowVia(URI.create("http://bob:" + PASSWORD + "@127.0.0.1:" + local.getLocalPort()), "example.com");
      try (RawClient client = fixture.client()) {
        assertThat(client.connect("example.com:443")).startsWith("HTTP/1.1 403 ");
        assertThat(client.readToEnd()).isEqualTo("upstream proxy refused: destination refused whatever the allow-list says: "
            + "127.0.0.1 is a loopback address (this host)\n");
      }
      local.setSoTimeout(300);
      assertThatThrownBy(local::accept).as("nothing connected to the local listener").isInstanceOf(java.net.SocketTimeoutException.class);
    }
    assertThat(fixture.nextEvent().allowed()).isFalse();
  }

  @Test
  void anUpstreamEchoingTheCredentialsWarrenAddsNeverHandsThemToTheSandbox() throws Exception {
    try (TestUpstreamProxy upstream = TestUpstreamProxy.echoing()) {
      fixture.allowVia(upstreamUri(upstream.port()), "example.com");
      String answer;
      try (RawClient client = fixture.client()) {
        client.send("GET http://example.com/echo HTTP/1.1\r\nHost: example.com\r\n\r\n");
        answer = new String(client.socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      }
      assertThat(upstream.nextRequest().values("Proxy-Authorization")).as("the upstream got them").containsExactly(BASIC);
      assertThat(answer).as("the echo was cut before the credentials").doesNotContain(BASIC.substring(6)).doesNotContain(PASSWORD);
    }
    EgressEvent event = fixture.nextEvent();
    assertThat(event.allowed()).isFalse();
    assertThat(event.reason()).contains("the answer carried the upstream proxy credentials Warren adds; connection closed");
  }
}
