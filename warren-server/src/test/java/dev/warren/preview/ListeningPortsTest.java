package dev.warren.preview;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.browser.BrowserService;
import dev.warren.net.EgressPolicy;
import dev.warren.runtime.Limits;
import dev.warren.sandbox.Desktop;
import dev.warren.sandbox.Sandbox;
import dev.warren.sandbox.SandboxSpec;
import dev.warren.sandbox.SandboxState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@link ListeningPorts#parse} on lines of a real {@code /proc/net/tcp} and {@code /proc/net/tcp6} (x86-64). */
class ListeningPortsTest {
  static final String TCP = """
        sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
         0: 0100007F:1538 00000000:0000 0A 00000000:00000000 00:00000000 00000000   101        0 36558296 1 00000000972ff764 100 0 0 10 0
         1: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 242 1 000000005aa21e08 100 0 0 10 0
         2: 00000000:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 36419570 1 000000001aea702e 100 0 0 10 0
         5: 0100007F:C4DC 0100007F:A9A1 01 00000000:00000000 02:000013F0 00000000     0        0 36799754 2 000000009d3b63be 20 4 4 18 -1
      """;
  static final String TCP6 = """
        sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
         0: 0000000000000000FFFF00000100007F:9D17 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 36419569 1 000000001aea702d 100 0 0 10 0
         1: 00000000000000000000000000000000:1F40 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 36419571 1 000000001aea702f 100 0 0 10 0
         2: 00000000000000000000000001000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 36419572 1 0000000064153aeb 100 0 0 10 0
         3: 000080FE00000000FF0FA8B4FE1D4C2B:0BB8 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 36419573 1 0000000064153aec 100 0 0 10 0
         4: 00000000000000000000000001000000:1F90 00000000000000000000000001000000:D2A4 01 00000000:00000000 00:00000000 00000000     0        0 36419574 1 0000000064153aed 100 0 0 20 4
      """;

  static ListeningPorts.Port port(int port, String address, String family) {
    return new ListeningPorts.Port(port, address, family, Optional.empty());
  }

  @Test
  void listeningSocketsOfBothFilesAreListedOncePerPortInPortOrder() {
    List<ListeningPorts.Port> ports = ListeningPorts.parse(TCP + TCP6);
    assertThat(ports).containsExactly(
        port(22, "::1", "ipv6"),
        port(2024, "0.0.0.0", "ipv4"),
        port(3000, "fe80::b4a8:fff:2b4c:1dfe", "ipv6"),
        port(5432, "127.0.0.1", "ipv4"),
        // 0.0.0.0 and :: both listen on 8000: the IPv4 wildcard is shown
        port(8000, "0.0.0.0", "ipv4"),
        port(40215, "::ffff:7f00:1", "ipv6"));
  }

  @Test
  void connectedSocketsHeadersAndTruncatedLinesAreNotPorts() {
    assertThat(ListeningPorts.parse("")).isEmpty();
    assertThat(ListeningPorts.parse(TCP.lines().filter(l -> !l.contains(" 0A ")).reduce("", (a, b) -> a + b + "\n"))).isEmpty();
    assertThat(ListeningPorts.parse("   7: 00000000:1F4")).isEmpty();
    assertThat(ListeningPorts.parse("   7: 0000:1F40 00000000:0000 0A 00000000:00000000")).isEmpty();
  }

  @Test
  void theWildcardOfEitherFamilyWinsOverLoopbackOnOnePort() {
    String both = """
           0: 0100007F:0BB8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0
           1: 00000000000000000000000000000000:0BB8 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1 0 100 0 0 10 0
        """;
    assertThat(ListeningPorts.parse(both)).containsExactly(port(3000, "::", "ipv6"));
  }

  static Sandbox sandbox(Map<String, String> labels, Optional<Desktop> desktop) {
    SandboxSpec spec = new SandboxSpec("base", Map.of(), labels, new Limits(256, 100, 0.5, Limits.NO_DISK, Limits.NO_DISK),
        new EgressPolicy(List.of(), Optional.empty()), Duration.ZERO, desktop);
    Instant now = Instant.now();
    return new Sandbox("sbx_a", SandboxState.RUNNING, Optional.empty(), spec, "sha256:abc", 1, 0, "10.200.0.2", now, Optional.of(now),
        Optional.empty(), now);
  }

  @Test
  void vncAndDevtoolsAreWarrensOnlyInSandboxesWhereWarrenRunsThem() {
    Sandbox plain = sandbox(Map.of(), Optional.empty());
    Sandbox desktop = sandbox(Map.of(), Optional.of(new Desktop(1280, 720)));
    Sandbox browser = sandbox(Map.of(BrowserService.LABEL, "brw_x"), Optional.empty());
    assertThat(ListeningPorts.warrensUse(plain, 5900)).isEmpty();
    assertThat(ListeningPorts.warrensUse(plain, 9222)).isEmpty();
    assertThat(ListeningPorts.warrensUse(desktop, 5900)).contains("vnc");
    assertThat(ListeningPorts.warrensUse(desktop, 8000)).isEmpty();
    assertThat(ListeningPorts.warrensUse(browser, 9222)).contains("devtools");
    // a headed Chromium draws on a desktop of Warren's in its sandbox, with its VNC server
    assertThat(ListeningPorts.warrensUse(browser, 5900)).contains("vnc");
    assertThat(ListeningPorts.warrensUse(browser, 8000)).isEmpty();
  }
}
