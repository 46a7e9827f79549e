package dev.warren.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.warren.testing.OutsideHost;
import dev.warren.testing.TestWarren;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One sandbox holding idle connections open through the egress proxy gets 429 past its share
 * ({@code WARREN_EGRESS_MAX_CONNECTIONS_PER_SANDBOX}, 20 here), while another sandbox keeps
 * getting through; once the first lets go, it gets its share back.
 */
class EgressFairnessTest {
  static final int CAP = 20;

  /** Opens argv[2] CONNECT tunnels to argv[1], prints each answer's status, holds them until /tmp/release exists. */
  static final String HOLD_PY = """
      import os, socket, sys, time
      proxy = os.environ['HTTP_PROXY'].replace('http://', '').rstrip('/')
      host, port = proxy.rsplit(':', 1)
      target, n = sys.argv[1], int(sys.argv[2])
      held, codes = [], []
      for i in range(n):
          s = socket.create_connection((host, int(port)), 10)
          s.settimeout(10)
          s.sendall(('CONNECT %s HTTP/1.1\\r\\nHost: %s\\r\\n\\r\\n' % (target, target)).encode())
          head = b''
          while b'\\r\\n\\r\\n' not in head:
              b = s.recv(1)
              if not b:
                  break
              head += b
          codes.append(head.split(b' ')[1].decode() if b' ' in head else 'none')
          held.append(s)
      print(' '.join(codes), flush=True)
      while not os.path.exists('/tmp/release'):
          time.sleep(0.05)
      """;

  static TestWarren warren;
  static OutsideHost outside;
  static ServerSocket idle;
  static final Set<Socket> idleHeld = ConcurrentHashMap.newKeySet();
  static HttpServer site;

  @BeforeAll
  static void start() {
    outside = OutsideHost.create();
    idle = outside.serverSocket();
    Thread.ofVirtual().start(() -> {
      while (!idle.isClosed()) {
        try {
          Socket s = idle.accept();
          idleHeld.add(s);
          Thread.ofVirtual().start(() -> { // sends nothing; closes when its client has gone, as servers do
            try (s) {
              s.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
            } catch (IOException e) {
              // closed
            } finally {
              idleHeld.remove(s);
            }
          });
        } catch (IOException e) {
          // closed
        }
      }
    });
    site = outside.http(ex -> {
      byte[] b = "site ok".getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, b.length);
      ex.getResponseBody().write(b);
      ex.close();
    });
    warren = TestWarren.start(Map.of("WARREN_EGRESS_MAX_CONNECTIONS_PER_SANDBOX", Integer.toString(CAP)));
  }

  @AfterAll
  static void stop() throws IOException {
    if (warren != null) {
      warren.close();
    }
    if (site != null) {
      site.stop(0);
    }
    if (idle != null) {
      idle.close();
      for (Socket s : idleHeld) {
        s.close();
      }
    }
    if (outside != null) {
      outside.close();
    }
  }

  @Test
  void aSandboxPastItsShareIsRefusedWhileOthersKeepGettingThrough() {
    String idleTarget = outside.target(idle.getLocalPort());
    String siteTarget = outside.target(site.getAddress().getPort());
    String allow = TestWarren.json(Map.of("egress", Map.of("allow", List.of(idleTarget, siteTarget))));
    String hog = warren.createSandbox(allow);
    String other = warren.createSandbox(allow);
    ProxyProbe probe = new ProxyProbe(warren);
    assertThat(warren.put("/v1/sandboxes/" + hog + "/files?path=/tmp/hold.py", HOLD_PY.getBytes(StandardCharsets.UTF_8)).status())
        .isIn(200, 201, 204);
    probe.exec(hog, "nohup python3 /tmp/hold.py " + idleTarget + " " + (CAP + 5) + " >/tmp/hold.out 2>&1 & echo started");
    Awaitility.await().atMost(Duration.ofSeconds(30))
        .until(() -> !probe.exec(hog, "cat /tmp/hold.out").path("stdout").asString().isBlank());
    List<String> codes = Arrays.asList(probe.exec(hog, "cat /tmp/hold.out").path("stdout").asString().strip().split(" "));
    assertThat(codes).as("the hog's %d connections", CAP + 5).hasSize(CAP + 5);
    assertThat(codes.subList(0, CAP)).containsOnly("200");
    assertThat(codes.subList(CAP, CAP + 5)).containsOnly("429");
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> idleHeld.size() == CAP);

    // the other sandbox is not starved, while the hog stays at its cap
    assertThat(probe.get(other, "http://" + siteTarget + "/")).isEqualTo("site ok 200");
    assertThat(probe.get(hog, "http://" + siteTarget + "/")).as("the hog's next connection while at its cap").endsWith(" 429")
        .contains("has " + CAP + " egress connections open, its limit (WARREN_EGRESS_MAX_CONNECTIONS_PER_SANDBOX)");
    String events = warren.get("/v1/sandboxes/" + hog + "/egress").json().path("events").toString();
    assertThat(events).contains("WARREN_EGRESS_MAX_CONNECTIONS_PER_SANDBOX");

    // once it lets go, it gets its share back
    probe.exec(hog, "touch /tmp/release; for i in $(seq 100); do pgrep -f hold.py >/dev/null || break; sleep 0.05; done");
    Awaitility.await().atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(probe.get(hog, "http://" + siteTarget + "/")).isEqualTo("site ok 200"));
  }
}
