package dev.warren.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EgressProxyControlPlaneTest {

  private ServerSocket controlPlane;

  @BeforeEach
  void start() throws IOException {
    controlPlane = new ServerSocket(0, 50, ProxyFixture.LOOPBACK);
  }

  @AfterEach
  void stop() throws IOException {
    controlPlane.close();
  }

  private void assertRefused(ProxyFixture fixture, String target) throws Exception {
    try (RawClient client = fixture.client()) {
      assertThat(client.connect(target)).startsWith("HTTP/1.1 403 ");
      assertThat(client.readToEnd()).startsWith("destination refused whatever the allow-list says: ")
          .contains("Warren's control plane").endsWith("\n");
    }
    EgressEvent event = fixture.nextEvent();
    assertThat(event.allowed()).isFalse();
    assertThat(event.reason().orElse("")).contains("Warren's control plane");
  }

  @Test
  void neverAllowedDestinationIsRefusedEvenWithStar() throws Exception {
    InetSocketAddress api = (InetSocketAddress) controlPlane.getLocalSocketAddress();
    try (ProxyFixture fixture =
        new ProxyFixture(HttpEgressProxy.Settings.DEFAULTS, Set.of(api)).allow("*")) {
      assertRefused(fixture, "127.0.0.1:" + api.getPort());
      assertRefused(fixture, "localhost:" + api.getPort());
    }
  }

  @Test
  void wildcardEntryCoversItsPortOnEveryLocalAddress() throws Exception {
    int port = controlPlane.getLocalPort();
    InetSocketAddress anyLocal = new InetSocketAddress(InetAddress.ofLiteral("0.0.0.0"), port);
    try (ProxyFixture fixture =
        new ProxyFixture(HttpEgressProxy.Settings.DEFAULTS, Set.of(anyLocal)).allow("*")) {
      assertRefused(fixture, "127.0.0.1:" + port);
      assertRefused(fixture, "0.0.0.0:" + port);
      assertRefused(fixture, "127.1.2.3:" + port);
      Optional<InetAddress> hostAddress = NetworkInterface.networkInterfaces()
          .flatMap(NetworkInterface::inetAddresses)
          .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress())
          .findFirst();
      if (hostAddress.isPresent()) {
        assertRefused(fixture, hostAddress.get().getHostAddress() + ":" + port);
      }
    }
  }

  @Test
  void theProxyItselfIsRefused() throws Exception {
    try (ProxyFixture fixture = new ProxyFixture().allow("*")) {
      assertRefused(fixture, "127.0.0.1:" + fixture.address().getPort());
    }
  }

  @Test
  void otherPortsOnTheHostAreRefusedTooWhateverTheAllowListSays() throws Exception {
    int port = controlPlane.getLocalPort();
    try (ServerSocket other = new ServerSocket(0, 50, ProxyFixture.LOOPBACK);
        ProxyFixture fixture = new ProxyFixture().allow("*", "127.0.0.1", "localhost")) {
      try (RawClient client = fixture.client()) {
        assertThat(client.connect("127.0.0.1:" + other.getLocalPort())).startsWith("HTTP/1.1 403 ");
        assertThat(client.readToEnd()).isEqualTo("destination refused whatever the allow-list says: "
            + "127.0.0.1 is a loopback address (this host)\n");
      }
      assertThat(fixture.nextEvent().reason().orElseThrow()).contains("a loopback address (this host)");
      other.setSoTimeout(200);
      assertThatThrownBy(other::accept).isInstanceOf(java.net.SocketTimeoutException.class);
      assertThat(port).isPositive();
    }
  }

  @Test
  void destinationsOffTheHostStayReachable() throws Exception {
    InetSocketAddress api = (InetSocketAddress) controlPlane.getLocalSocketAddress();
    try (EchoServer echo = new EchoServer();
        ProxyFixture fixture =
            new ProxyFixture(HttpEgressProxy.Settings.DEFAULTS, Set.of(api)).allow(echo.target());
        RawClient client = fixture.client()) {
      assertThat(client.connect(echo.target())).startsWith("HTTP/1.1 200 ");
    }
  }
}
