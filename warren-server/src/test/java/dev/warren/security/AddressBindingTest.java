package dev.warren.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.testing.TestWarren;
import java.net.URI;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A sandbox's network port carries only its own address: frames from any other source address
 * (another sandbox's, or one nobody has) are dropped at the bridge, before the host sees them. The
 * sandbox cannot change its address itself (no CAP_NET_ADMIN, no raw sockets: see
 * ContainerHardeningTest); here the host's root adds one inside its network namespace, which is
 * what a sandbox escaping those limits would do. Holds for every sandbox of a chunk of slots whose
 * bindings are loaded at once, and across a controller restart (which reloads the firewall).
 */
class AddressBindingTest {
  static TestWarren warren;

  @BeforeAll
  static void start() {
    warren = TestWarren.start();
  }

  @AfterAll
  static void stop() {
    if (warren != null) {
      warren.close();
    }
  }

  @Test
  void aSandboxReachesTheProxyFromItsOwnAddressOnlyBeforeAndAfterARestart() throws Exception {
    String a = warren.createSandbox("{}");
    String b = warren.createSandbox("{}");
    URI proxy = URI.create(warren.exec(a, "printf %s \"$HTTP_PROXY\"").path("stdout").asString());
    String addrA = address(a);
    String addrB = address(b);
    // an address of the subnet that no sandbox has: the one after the highest in use
    String[] o = (addrA.compareTo(addrB) > 0 ? addrA : addrB).split("\\.");
    String unused = o[0] + "." + o[1] + "." + o[2] + "." + (Integer.parseInt(o[3]) + 50);
    int prefix = warren.instance().subnet().prefix();
    for (String extra : List.of(addrB, unused)) {
      host("ip", "-n", netns(a), "addr", "add", extra + "/" + prefix, "dev", "eth0");
    }
    for (int round = 0; round < 2; round++) {
      assertThat(connects(a, addrA, proxy)).as("round %d: %s from its own address %s", round, a, addrA).isTrue();
      assertThat(connects(b, addrB, proxy)).as("round %d: %s from its own address %s", round, b, addrB).isTrue();
      assertThat(connects(a, addrB, proxy)).as("round %d: %s from %s's address %s", round, a, b, addrB).isFalse();
      assertThat(connects(a, unused, proxy)).as("round %d: %s from the unused address %s", round, a, unused).isFalse();
      warren.kill9AndRestart();
    }
    // a new sandbox in a freed slot is bound to its own address too
    assertThat(warren.delete("/v1/sandboxes/" + b).status()).isEqualTo(204);
    String c = warren.createSandbox("{}");
    assertThat(connects(c, address(c), proxy)).as("%s from its own address", c).isTrue();
  }

  private static String address(String sandbox) {
    return warren.get("/v1/sandboxes/" + sandbox).json().path("address").asString();
  }

  private static String netns(String sandbox) {
    return warren.instanceName() + "-" + sandbox;
  }

  /** Whether a TCP connection from {@code source} in the sandbox's network namespace reaches the proxy within 2 s. */
  private static boolean connects(String sandbox, String source, URI proxy) throws Exception {
    String script = "import socket,sys\n"
        + "s=socket.socket(); s.settimeout(2); s.bind(('" + source + "',0))\n"
        + "try:\n s.connect(('" + proxy.getHost() + "'," + proxy.getPort() + ")); print('connected')\n"
        + "except OSError as e:\n print('refused', e)\n";
    String out = host("ip", "netns", "exec", netns(sandbox), "python3", "-c", script);
    assertThat(out).as("the probe ran").containsAnyOf("connected", "refused");
    return out.contains("connected");
  }

  private static String host(String... argv) throws Exception {
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("%s: %s", String.join(" ", argv), out).isZero();
    return out;
  }
}
