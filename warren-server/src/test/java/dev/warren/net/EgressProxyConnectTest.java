package dev.warren.net;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.testing.OutsideHost;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EgressProxyConnectTest {

  private EchoServer echo;
  private ProxyFixture fixture;

  @BeforeEach
  void start() throws IOException {
    echo = new EchoServer();
    fixture = new ProxyFixture();
  }

  @AfterEach
  void stop() throws IOException {
    fixture.close();
    echo.close();
  }

  private String echoTarget() {
    return echo.target();
  }

  private String outside() {
    return OutsideHost.shared().host();
  }

  @Test
  void deniesEverythingByDefault() throws Exception {
    try (RawClient client = fixture.client()) {
      assertThat(client.connect(echoTarget())).startsWith("HTTP/1.1 403 ");
      assertThat(client.readToEnd()).isEqualTo("egress not allowed by policy: " + echoTarget() + "\n");
    }
    EgressEvent event = fixture.nextEvent();
    assertThat(event.sandboxId()).contains(ProxyFixture.SANDBOX);
    assertThat(event.method()).isEqualTo("CONNECT");
    assertThat(event.host()).isEqualTo(outside());
    assertThat(event.port()).isEqualTo(echo.port());
    assertThat(event.allowed()).isFalse();
    assertThat(event.reason()).contains("egress not allowed by policy: " + echoTarget());
    assertThat(event.clientAddress()).startsWith("127.0.0.1:");
  }

  @Test
  void tunnelCarriesBytesBothWaysAndCountsThem() throws Exception {
    fixture.allow(echoTarget());
    byte[] payload = "hello through the tunnel".getBytes(StandardCharsets.UTF_8);
    try (RawClient client = fixture.client()) {
      assertThat(client.connect(echoTarget())).isEqualTo("HTTP/1.1 200 Connection established\r\n\r\n");
      client.send(payload);
      assertThat(client.readExactly(payload.length)).isEqualTo(payload);
      client.send(payload);
      assertThat(client.readExactly(payload.length)).isEqualTo(payload);
      client.socket.shutdownOutput(); // half-close: the echo answers with its own end of stream
      assertThat(client.read()).isEqualTo(-1);
    }
    EgressEvent event = fixture.nextEvent();
    assertThat(event.allowed()).isTrue();
    assertThat(event.reason()).isEmpty();
    assertThat(event.viaUpstream()).isFalse();
    assertThat(event.bytesOut()).isEqualTo(2L * payload.length);
    assertThat(event.bytesIn()).isEqualTo(2L * payload.length);
    assertThat(event.duration()).isPositive();
  }

  @Test
  void exactHostPatternMatchesTheNameTheClientUsed() throws Exception {
    fixture.allow(ProxyFixture.OUTSIDE_NAME);
    try (RawClient client = fixture.client()) {
      assertThat(client.connect("Outside.Test.:" + echo.port())).startsWith("HTTP/1.1 200 ");
    }
    assertThat(fixture.nextEvent().allowed()).isTrue();
    try (RawClient client = fixture.client()) {
      assertThat(client.connect(echoTarget())).startsWith("HTTP/1.1 403 ");
    }
    assertThat(fixture.nextEvent().allowed()).isFalse();
  }

  @Test
  void wildcardSubdomainPatternDoesNotAllowTheApex() throws Exception {
    fixture.allow("*." + ProxyFixture.OUTSIDE_NAME);
    try (RawClient client = fixture.client()) {
      assertThat(client.connect("www." + ProxyFixture.OUTSIDE_NAME + ":" + echo.port())).startsWith("HTTP/1.1 200 ");
    }
    assertThat(fixture.nextEvent().allowed()).isTrue();
    try (RawClient client = fixture.client()) {
      assertThat(client.connect(ProxyFixture.OUTSIDE_NAME + ":" + echo.port())).startsWith("HTTP/1.1 403 ");
    }
    assertThat(fixture.nextEvent().reason()).contains("egress not allowed by policy: outside.test:" + echo.port());
  }

  @Test
  void starReachesThePublicInternetOnlyAndExplicitEntriesReachPrivateAddresses() throws Exception {
    fixture.allow("*");
    try (RawClient client = fixture.client()) {
      assertThat(client.connect(echoTarget())).startsWith("HTTP/1.1 403 ");
      assertThat(client.readToEnd()).isEqualTo("destination refused: " + outside() + " is a benchmarking address (198.18.0.0/15), "
          + "and \"*\" allows the public internet only: name it in the allow-list to reach it\n");
    }
    assertThat(fixture.nextEvent().allowed()).isFalse();
    try (RawClient client = fixture.client()) {
      assertThat(client.connect(ProxyFixture.OUTSIDE_NAME + ":" + echo.port())).startsWith("HTTP/1.1 403 ");
      assertThat(client.readToEnd()).startsWith("destination refused: outside.test resolves to " + outside() + ", a benchmarking");
    }
    fixture.nextEvent();
    fixture.allow("*", outside());
    try (RawClient client = fixture.client()) {
      assertThat(client.connect(echoTarget())).startsWith("HTTP/1.1 200 ");
    }
    assertThat(fixture.nextEvent().allowed()).isTrue();
  }

  @Test
  void portSpecificPatternsAllowOnlyTheirPort() throws Exception {
    fixture.allow(outside() + ":" + (echo.port() == 65535 ? 1 : echo.port() + 1), "*:1");
    try (RawClient client = fixture.client()) {
      assertThat(client.connect(echoTarget())).startsWith("HTTP/1.1 403 ");
    }
    fixture.nextEvent();
    fixture.allow(ProxyFixture.OUTSIDE_NAME + ":" + echo.port());
    try (RawClient client = fixture.client()) {
      assertThat(client.connect(ProxyFixture.OUTSIDE_NAME + ":" + echo.port())).startsWith("HTTP/1.1 200 ");
    }
    assertThat(fixture.nextEvent().allowed()).isTrue();
  }

  @Test
  void unreachableDestinationsGetBadGatewayWithAReason() throws Exception {
    fixture.allow(outside(), "no-such-host.invalid");
    int closedPort;
    try (ServerSocket s = OutsideHost.shared().serverSocket()) {
      closedPort = s.getLocalPort();
    }
    try (RawClient client = fixture.client()) {
      assertThat(client.connect(OutsideHost.shared().target(closedPort))).startsWith("HTTP/1.1 502 ");
      assertThat(client.readToEnd()).contains("connection refused");
    }
    assertThat(fixture.nextEvent().reason()).hasValueSatisfying(r -> r.contains("connection refused"));
    try (RawClient client = fixture.client()) {
      assertThat(client.connect("no-such-host.invalid:443")).startsWith("HTTP/1.1 502 ");
      assertThat(client.readToEnd()).isEqualTo("cannot resolve host no-such-host.invalid\n");
    }
    assertThat(fixture.nextEvent().allowed()).isFalse();
  }

  @Test
  void unknownSourceIsForbidden() throws Exception {
    try (HttpEgressProxy proxy = HttpEgressProxy.start(
        new InetSocketAddress(ProxyFixture.LOOPBACK, 0), source -> Optional.empty(), Set.of(),
        EgressGuard.withNetworks(List.of()), fixture.events::add, HttpEgressProxy.Settings.DEFAULTS);
        RawClient client = new RawClient(proxy.address())) {
      assertThat(client.connect(echoTarget())).startsWith("HTTP/1.1 403 ");
      assertThat(client.readToEnd()).isEqualTo("unknown source address\n");
    }
    EgressEvent event = fixture.nextEvent();
    assertThat(event.sandboxId()).isEmpty();
    assertThat(event.reason()).contains("unknown source address");
    assertThat(event.port()).isEqualTo(echo.port());
  }

  @Test
  void malformedRequestsGetBadRequest() throws Exception {
    try (RawClient client = fixture.client()) {
      client.send("CONNECT\r\n\r\n");
      assertThat(client.readHead()).startsWith("HTTP/1.1 400 ");
      assertThat(client.readToEnd()).isEqualTo("malformed request line\n");
    }
    assertThat(fixture.nextEvent().reason()).contains("malformed request line");
    try (RawClient client = fixture.client()) {
      client.send("CONNECT example.com HTTP/1.1\r\n\r\n");
      assertThat(client.readHead()).startsWith("HTTP/1.1 400 ");
      assertThat(client.readToEnd()).contains("port required");
    }
    fixture.nextEvent();
    try (RawClient client = fixture.client()) {
      client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(client.readHead()).startsWith("HTTP/1.1 400 ");
      assertThat(client.readToEnd()).isEqualTo(ProxyRequest.NOT_A_PROXY_REQUEST + "\n");
    }
    assertThat(fixture.nextEvent().method()).isEqualTo("GET");
  }

  @Test
  void oversizedHeadGetsRequestHeaderFieldsTooLarge() throws Exception {
    try (RawClient client = fixture.client()) {
      client.send("CONNECT " + echoTarget() + " HTTP/1.1\r\nX-Big: " + "a".repeat(70 * 1024));
      assertThat(client.readHead()).startsWith("HTTP/1.1 431 ");
    }
    assertThat(fixture.nextEvent().reason()).contains("request head larger than 64 KiB");
  }

  @Test
  void sinkFailuresDoNotStopTheProxy() throws Exception {
    try (HttpEgressProxy proxy = HttpEgressProxy.start(
        new InetSocketAddress(ProxyFixture.LOOPBACK, 0), source -> Optional.empty(), Set.of(),
        EgressGuard.withNetworks(List.of()), event -> { throw new IllegalStateException("sink is broken"); },
        HttpEgressProxy.Settings.DEFAULTS)) {
      for (int i = 0; i < 2; i++) {
        try (RawClient client = new RawClient(proxy.address())) {
          assertThat(client.connect(echoTarget())).startsWith("HTTP/1.1 403 ");
        }
      }
    }
  }
}
