package dev.warren.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.testing.TestWarren;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * From inside a sandbox: the controller's API, other sandboxes, the host's own addresses, other
 * Warren instances' bridges and the cloud metadata address are unreachable, directly and through
 * the egress proxy; the host's files and processes and other sandboxes' data are not visible.
 */
class SandboxReachTest {
  static TestWarren warren;
  static String probe;
  static String web;
  static String webAddress;
  static String open;
  static String gateway;
  static int apiPort;

  @BeforeAll
  static void start() {
    // the API on every address, so that a sandbox could try each of the host's addresses
    warren = TestWarren.start(Map.of("WARREN_LISTEN", "0.0.0.0:0"));
    probe = warren.createSandbox("{}");
    web = warren.createSandbox("{}");
    open = warren.createSandbox("{\"egress\": {\"allow\": [\"*\"]}}");
    webAddress = warren.get("/v1/sandboxes/" + web).json().path("address").asString();
    exec(web, "echo neighbour-data > /workspace/private; nohup python3 -m http.server 8000 >/dev/null 2>&1 & sleep 0.5; echo ok");
    gateway = exec(probe, "echo $HTTP_PROXY").path("stdout").asString().strip().replace("http://", "").replaceAll(":\\d+$", "");
    apiPort = warren.base().getPort();
  }

  @AfterAll
  static void stop() {
    if (warren != null) {
      warren.close();
    }
  }

  static JsonNode exec(String id, String command) {
    var r = warren.post("/v1/sandboxes/" + id + "/exec", TestWarren.json(Map.of("command", command, "timeoutSeconds", 60)));
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    return r.json();
  }

  /** The host's IPv4 addresses that are neither loopback nor this instance's bridge: eth0, other instances' bridges. */
  static List<String> hostAddresses() throws Exception {
    Process p = new ProcessBuilder("ip", "-4", "-o", "addr").start();
    List<String> out = new ArrayList<>();
    for (String line : new String(p.getInputStream().readAllBytes()).split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length > 3 && !f[1].equals("lo")) {
        String addr = f[3].substring(0, f[3].indexOf('/'));
        if (!addr.equals(gateway)) {
          out.add(addr);
        }
      }
    }
    p.waitFor();
    return out;
  }

  /** {@code curl} straight from the sandbox, no proxy: the HTTP code, 000 when nothing answered. */
  static String direct(String url) {
    return exec(probe, "curl -s --noproxy '*' -m 3 -o /dev/null -w '%{http_code}' " + url + "; true").path("stdout").asString();
  }

  @Test
  void nothingOutsideTheBridgeAnswersDirectly() throws Exception {
    assertThat(exec(web, "curl -s --noproxy '*' -m 3 -o /dev/null -w '%{http_code}' http://127.0.0.1:8000/").path("stdout").asString())
        .as("the neighbour's server runs").isEqualTo("200");
    List<String> targets = new ArrayList<>(List.of(
        "http://" + gateway + ":" + apiPort + "/healthz",
        "http://127.0.0.1:" + apiPort + "/healthz",
        "http://169.254.169.254/latest/meta-data/",
        "http://" + webAddress + ":8000/",
        "http://1.1.1.1/"));
    for (String host : hostAddresses()) {
      targets.add("http://" + host + ":" + apiPort + "/healthz");
      targets.add("http://" + host + ":22/");
    }
    for (String url : targets) {
      assertThat(direct(url)).as("direct %s", url).isEqualTo("000");
    }
    // no route but the bridge's subnet
    String routes = exec(probe, "ip -4 route").path("stdout").asString();
    assertThat(routes.lines().toList()).hasSize(1);
    assertThat(routes).doesNotContain("default").doesNotContain("via");
  }

  @Test
  void theEgressProxyRefusesTheControlPlaneNeighboursAndMetadataEvenWithEverythingAllowed() throws Exception {
    List<String> targets = new ArrayList<>(List.of(
        "http://169.254.169.254/latest/meta-data/",
        "http://" + webAddress + ":8000/",
        "http://" + gateway + ":" + apiPort + "/healthz",
        "http://127.0.0.1:" + apiPort + "/healthz"));
    for (String host : hostAddresses()) {
      // other Warren instances' bridges (which other tests make and remove meanwhile) are refused too: a
      // bridge that vanished is still in a Warren subnet, or at least not the public internet
      targets.add("http://" + host + ":" + apiPort + "/healthz");
    }
    for (String url : targets) {
      assertThat(viaProxy(open, url)).as("via the proxy with allow *: %s", url).isEqualTo("403");
      assertThat(viaProxy(probe, url)).as("via the proxy with the default policy: %s", url).isEqualTo("403");
    }
    JsonNode events = warren.get("/v1/sandboxes/" + open + "/egress").json().path("events");
    assertThat(events.toString()).contains("169.254.169.254").contains("link-local");
  }

  private static String viaProxy(String id, String url) {
    return exec(id, "curl -s --noproxy '' -m 5 -o /dev/null -w '%{http_code}' " + url + "; true").path("stdout").asString();
  }

  @Test
  void hostFilesProcessesAndOtherSandboxesAreNotVisible() throws Exception {
    Path marker = Files.createTempFile(Path.of("/tmp"), "warren-host-marker-", ".txt");
    try {
      Files.writeString(marker, "host secret " + UUID.randomUUID());
      String name = marker.getFileName().toString();
      JsonNode r = exec(probe, "ls -a /tmp; find / -xdev -name '" + name + "' 2>/dev/null; echo end");
      assertThat(r.path("stdout").asString()).doesNotContain(name).endsWith("end\n");
      assertThat(exec(probe, "cat " + marker + " 2>&1; true").path("stdout").asString()).contains("No such file");
      // the data directory (token, database, other sandboxes' files) does not exist in here
      String dataDir = warren.dataDir().toString();
      assertThat(exec(probe, "ls " + dataDir + " 2>&1; cat " + dataDir + "/token 2>&1; true").path("stdout").asString())
          .contains("No such file").doesNotContain(warren.token());
      // only its own processes, none of the host's: not the controller, not the neighbour's server
      String ps = exec(probe, "ps -eo pid,args --no-headers").path("stdout").asString();
      assertThat(ps).doesNotContain("java").doesNotContain("http.server").doesNotContain("crun");
      assertThat(ps.lines().count()).isLessThan(10);
      String pids = exec(probe, "ls /proc | grep -cE '^[0-9]+$'").path("stdout").asString().strip();
      assertThat(Integer.parseInt(pids)).isLessThan(12);
      assertThat(exec(probe, "cat /proc/" + warren.pid() + "/cmdline 2>/dev/null | tr '\\0' ' '; true").path("stdout").asString())
          .doesNotContain("java");
      // nothing of the neighbour: its id, its files
      String neighbourId = web;
      JsonNode grep = exec(probe, "a='" + neighbourId.substring(0, 8) + "'; b='" + neighbourId.substring(8) + "'; "
          + "grep -rlsF \"$a$b\" / --exclude-dir=proc --exclude-dir=sys --exclude-dir=dev | head -5; "
          + "c='neighbour'; d='-data'; grep -rlsF \"$c$d\" / --exclude-dir=proc --exclude-dir=sys --exclude-dir=dev | head -5; echo end");
      assertThat(grep.path("stdout").asString()).isEqualTo("end\n");
      assertThat(exec(probe, "ls /var/lib/warren/sessions 2>/dev/null | wc -l").path("stdout").asString().strip()).isEqualTo("0");
    } finally {
      Files.deleteIfExists(marker);
    }
  }
}
