package dev.warren.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.warren.testing.OutsideHost;
import dev.warren.testing.TestWarren;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * From inside a sandbox, through the egress proxy, nothing on Warren's host answers, whatever the
 * allow-list says ({@code *} or an explicit entry for the very target): the host's loopback under
 * every spelling, its interface addresses, the controller's API and proxy, a second Warren instance's
 * bridge, API and sandboxes, cloud metadata, and names that resolve to any of them. A service on
 * the host sees no connection at all; the refusals are logged; a site off the host stays reachable.
 * An upstream proxy on the host or a Warren network is refused at create.
 */
class EgressHostReachTest {
  static TestWarren warren;
  static TestWarren second;
  static ProxyProbe probe;
  static OutsideHost outside;
  static HttpServer site;
  static ServerSocket hostService;
  static final List<String> hostServiceSaw = new CopyOnWriteArrayList<>();
  static String star;
  static String explicit;
  static String gateway;
  static String secondGateway;
  static String secondSandbox;
  static String secondSandboxAddress;
  static List<String> hostAddresses;

  @BeforeAll
  static void start() throws Exception {
    // a service on every address of the host, loopback included: it must never see a connection
    hostService = new ServerSocket(0);
    Thread.ofVirtual().start(() -> {
      while (!hostService.isClosed()) {
        try (Socket s = hostService.accept()) {
          hostServiceSaw.add(s.getRemoteSocketAddress().toString());
        } catch (IOException e) {
          // closed
        }
      }
    });
    outside = OutsideHost.create();
    site = outside.http(ex -> {
      byte[] b = "outside ok".getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, b.length);
      ex.getResponseBody().write(b);
      ex.close();
    });
    warren = TestWarren.start(Map.of("WARREN_LISTEN", "0.0.0.0:0"));
    second = TestWarren.start();
    probe = new ProxyProbe(warren);
    secondSandbox = second.createSandbox("{}");
    secondSandboxAddress = second.get("/v1/sandboxes/" + secondSandbox).json().path("address").asString();
    second.exec(secondSandbox, "nohup python3 -m http.server 8000 >/tmp/http.log 2>&1 & sleep 0.5; echo started");
    secondGateway = secondSandboxAddress.replaceAll("\\.\\d+$", ".1");
    star = warren.createSandbox("{\"egress\": {\"allow\": [\"*\"]}}");
    gateway = probe.exec(star, "echo $HTTP_PROXY").path("stdout").asString().strip().replace("http://", "").replaceAll(":\\d+$", "");
    hostAddresses = hostAddresses();
    List<String> every = new ArrayList<>(List.of("127.0.0.1", "127.0.0.2", "localhost", hostname(), "::1", "0.0.0.0", "::ffff:127.0.0.1",
        "::127.0.0.1", "64:ff9b::7f00:1", "169.254.169.254", secondGateway, secondSandboxAddress, outside.hostSide().getHostAddress(),
        outside.target(site.getAddress().getPort())));
    hostAddresses.forEach(a -> every.add(a.contains(":") ? "[" + a + "]" : a));
    explicit = warren.createSandbox(TestWarren.json(Map.of("egress", Map.of("allow", every))));
    probe.install(star);
    probe.install(explicit);
  }

  @AfterAll
  static void stop() throws IOException {
    for (AutoCloseable c : new AutoCloseable[] {warren, second, () -> site.stop(0), outside, hostService}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        // go on closing the rest
      }
    }
  }

  /** The host's own addresses but those of other tests' Warren bridges (which come and go meanwhile), link-local aside. */
  static List<String> hostAddresses() throws IOException {
    List<String> out = new ArrayList<>();
    for (NetworkInterface i : NetworkInterface.networkInterfaces().toList()) {
      for (InetAddress a : i.inetAddresses().toList()) {
        String text = a.getHostAddress().replaceAll("%.*$", "");
        boolean otherWarren = i.getName().startsWith("warren") && !text.equals(gateway) && !text.equals(secondGateway);
        if (!a.isLinkLocalAddress() && !a.isLoopbackAddress() && !otherWarren && !(a instanceof Inet6Address && a.isMulticastAddress())) {
          out.add(a instanceof Inet6Address ? InetAddress.ofLiteral(text).getHostAddress() : text);
        }
      }
    }
    return out;
  }

  static String hostname() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "localhost";
    }
  }

  private static String url(String host, int port) {
    return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port + "/";
  }

  /** Every spelling of the host and its neighbours, each with the port of something listening there. */
  static Map<String, String> targets() {
    int p = hostService.getLocalPort();
    int api = warren.base().getPort();
    int secondApi = second.base().getPort();
    Map<String, String> t = new LinkedHashMap<>();
    for (String h : List.of("127.0.0.1", "localhost", "::1", "0.0.0.0", "127.0.0.2", "::ffff:127.0.0.1", "::ffff:7f00:1",
        "::127.0.0.1", "64:ff9b::7f00:1", hostname(), outside.hostSide().getHostAddress())) {
      t.put(url(h, p), "the host's own service");
    }
    for (String h : hostAddresses) {
      t.put(url(h, p), "the host's own service");
      t.put(url(h, api), "this Warren's API");
    }
    t.put(url("127.0.0.1", api), "this Warren's API");
    t.put(url(gateway, api), "this Warren's API on its bridge");
    t.put(url(gateway, 3128), "this Warren's proxy");
    t.put(url(secondGateway, p), "another instance's bridge");
    t.put(url(secondGateway, 3128), "another instance's proxy");
    t.put(url("127.0.0.1", secondApi), "another instance's API");
    t.put(url(secondSandboxAddress, 8000), "another instance's sandbox");
    t.put(url("169.254.169.254", 80), "cloud metadata");
    return t;
  }

  @Test
  void nothingOnTheHostAnswersThroughTheProxyWhateverTheAllowList() {
    Map<String, String> targets = targets();
    for (String sandbox : List.of(star, explicit)) {
      String policy = sandbox.equals(star) ? "allow *" : "an explicit allow entry";
      for (var t : targets.entrySet()) {
        assertThat(probe.get(sandbox, t.getKey())).as("GET %s (%s) with %s", t.getKey(), t.getValue(), policy)
            .startsWith("destination refused whatever the allow-list says: ").endsWith(" 403");
        assertThat(probe.tunnel(sandbox, t.getKey())).as("CONNECT %s (%s) with %s", t.getKey(), t.getValue(), policy)
            .isEqualTo("403 000");
      }
    }
    assertThat(hostServiceSaw).as("connections the host's service accepted").isEmpty();
    assertThat(second.exec(secondSandbox, "cat /tmp/http.log").path("stdout").asString()).as("the other instance's sandbox")
        .doesNotContain("GET");
    assertThat(second.get("/healthz").status()).isEqualTo(200);
    // the refusals are in the egress log with their reason
    String logged = warren.get("/v1/sandboxes/" + explicit + "/egress?limit=1000").json().path("events").toString();
    assertThat(logged).contains("a loopback address (this host)").contains("an address of Warren's host")
        .contains("a sandbox network of Warren instance").contains("a link-local address (cloud metadata)")
        .contains("Warren's control plane").doesNotContain("\"allowed\":true");
    // and a site off the host is still reached by the sandbox that names it
    assertThat(probe.get(explicit, "http://" + outside.target(site.getAddress().getPort()) + "/")).isEqualTo("outside ok 200");
  }

  @Test
  void addressesSpelledInDecimalOctalOrHexAreRefusedAsMalformed() {
    int p = hostService.getLocalPort();
    for (String host : List.of("2130706433", "0177.0.0.1", "0x7f.1", "0x7f000001", "127.1", "0177.1", "017700000001")) {
      for (String request : List.of("GET http://" + host + ":" + p + "/ HTTP/1.1\r\nHost: x\r\n\r\n",
          "CONNECT " + host + ":" + p + " HTTP/1.1\r\nHost: x\r\n\r\n")) {
        String answer = probe.raw(star, request);
        assertThat(answer).as("%s", request).startsWith("HTTP/1.1 400 ")
            .contains("an IPv4 address must be written as four decimal numbers a.b.c.d, without leading zeros");
      }
    }
    assertThat(hostServiceSaw).isEmpty();
  }

  @Test
  void aNameThatResolvesToTheHostIsRefusedAfterResolution() {
    int p = hostService.getLocalPort();
    for (String name : List.of("localhost", hostname())) {
      String answer = probe.raw(explicit, "CONNECT " + name + ":" + p + " HTTP/1.1\r\nHost: " + name + "\r\n\r\n");
      assertThat(answer).startsWith("HTTP/1.1 403 ").contains(name + " resolves to ").contains("(this host)");
    }
    assertThat(hostServiceSaw).isEmpty();
  }

  @Test
  void anUpstreamProxyOnTheHostOrAWarrenNetworkIsRefusedAtCreate() {
    int api = warren.base().getPort();
    List<String> refused = new ArrayList<>(List.of("127.0.0.1:3128", "localhost:3128", "[::1]:3128", "0.0.0.0:3128", "127.0.0.2:3128",
        "[::ffff:127.0.0.1]:3128", "169.254.169.254:80", gateway + ":3128", gateway + ":" + api, "127.0.0.1:" + api,
        secondGateway + ":3128", secondSandboxAddress + ":8000"));
    hostAddresses.forEach(a -> refused.add((a.contains(":") ? "[" + a + "]" : a) + ":3128"));
    for (String where : refused) {
      TestWarren.Resp r = warren.post("/v1/sandboxes", TestWarren.json(Map.of("egress", Map.of("allow", List.of("example.com"),
          "upstreamProxy", "http://agent:pw-" + where.hashCode() + "@" + where))));
      assertThat(r.status()).as("upstream %s: %s", where, r).isEqualTo(400);
      JsonNode body = r.json();
      assertThat(body.path("field").asString()).isEqualTo("egress.upstreamProxy");
      assertThat(body.path("detail").asString()).contains("is refused").contains("agent:***@")
          .doesNotContain("pw-" + where.hashCode());
    }
    // one off the host is fine
    String ok = warren.createSandbox(TestWarren.json(Map.of("egress", Map.of("allow", List.of("example.com"),
        "upstreamProxy", "http://agent:pw@" + outside.target(3128)))));
    assertThat(warren.delete("/v1/sandboxes/" + ok).status()).isEqualTo(204);
  }
}
