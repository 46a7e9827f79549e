package dev.warren.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.io.IOException;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EgressProxyLifecycleTest {

  private EchoServer echo;

  @BeforeEach
  void start() throws IOException {
    echo = new EchoServer();
  }

  @AfterEach
  void stop() throws IOException {
    echo.close();
  }

  private String echoTarget() {
    return echo.target();
  }

  @Test
  void closeEndsOpenTunnelsAndIsIdempotent() throws Exception {
    ProxyFixture fixture = new ProxyFixture().allow(echoTarget());
    try (RawClient client = fixture.client()) {
      assertThat(client.connect(echoTarget())).startsWith("HTTP/1.1 200 ");
      client.send("ping");
      assertThat(new String(client.readExactly(4))).isEqualTo("ping");

      fixture.close();

      assertThat(client.read()).isEqualTo(-1);
      EgressEvent event = fixture.nextEvent();
      assertThat(event.allowed()).isTrue();
      assertThat(event.bytesOut()).isEqualTo(4);
      assertThat(event.bytesIn()).isEqualTo(4);
    }
    assertThatCode(fixture::close).doesNotThrowAnyException();
    assertThat(fixture.proxy.address().getPort()).isPositive();
  }

  @Test
  void closedProxyRefusesNewConnections() throws Exception {
    ProxyFixture fixture = new ProxyFixture();
    var address = fixture.address();
    fixture.close();
    assertThatCode(() -> new RawClient(address).close()).isInstanceOf(IOException.class);
  }

  @Test
  void idleTunnelsAreClosed() throws Exception {
    var settings = HttpEgressProxy.Settings.DEFAULTS.withIdleTimeout(Duration.ofMillis(300));
    try (ProxyFixture fixture = new ProxyFixture(settings, Set.of()).allow(echoTarget());
        RawClient client = fixture.client()) {
      assertThat(client.connect(echoTarget())).startsWith("HTTP/1.1 200 ");
      client.send("x");
      assertThat(client.read()).isEqualTo('x');
      long start = System.nanoTime();
      assertThat(client.read()).isEqualTo(-1);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
      assertThat(fixture.nextEvent().bytesIn()).isEqualTo(1);
    }
  }

  @Test
  void connectionsOverTheCapGetServiceUnavailable() throws Exception {
    var settings = HttpEgressProxy.Settings.DEFAULTS.withMaxConnections(1);
    try (ProxyFixture fixture = new ProxyFixture(settings, Set.of()).allow(echoTarget());
        RawClient first = fixture.client()) {
      assertThat(first.connect(echoTarget())).startsWith("HTTP/1.1 200 ");
      try (RawClient second = fixture.client()) {
        assertThat(second.readHead()).startsWith("HTTP/1.1 503 ");
        assertThat(second.readToEnd()).isEqualTo("too many connections (1)\n");
      }
      EgressEvent refused = fixture.nextEvent();
      assertThat(refused.allowed()).isFalse();
      assertThat(refused.reason()).contains("too many connections (1)");
      first.send("still works");
      assertThat(new String(first.readExactly(11))).isEqualTo("still works");
    }
  }

  @Test
  void aSandboxPastItsShareGetsTooManyRequestsAndItsOpenTunnelsKeepWorking() throws Exception {
    var settings = HttpEgressProxy.Settings.DEFAULTS.withMaxConnectionsPerSandbox(2);
    try (ProxyFixture fixture = new ProxyFixture(settings, Set.of()).allow(echoTarget());
        RawClient first = fixture.client();
        RawClient second = fixture.client()) {
      assertThat(first.connect(echoTarget())).startsWith("HTTP/1.1 200 ");
      assertThat(second.connect(echoTarget())).startsWith("HTTP/1.1 200 ");
      try (RawClient third = fixture.client()) {
        assertThat(third.readHead()).startsWith("HTTP/1.1 429 ").contains("Retry-After: 1");
        assertThat(third.readToEnd()).isEqualTo("sandbox sbx_test has 2 egress connections open, its limit "
            + "(WARREN_EGRESS_MAX_CONNECTIONS_PER_SANDBOX); close some first\n");
      }
      EgressEvent refused = fixture.nextEvent();
      assertThat(refused.sandboxId()).contains(ProxyFixture.SANDBOX);
      assertThat(refused.allowed()).isFalse();
      first.send("still works");
      assertThat(new String(first.readExactly(11))).isEqualTo("still works");
      second.close();
      assertThat(fixture.nextEvent().allowed()).isTrue();
      try (RawClient again = fixture.client()) {
        assertThat(again.connect(echoTarget())).as("a slot given back is free again").startsWith("HTTP/1.1 200 ");
      }
    }
  }
}
