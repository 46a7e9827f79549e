package dev.warren.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.testing.TestWarren;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * A sandbox opening refused connections as fast as it can does not grow the egress log (or the
 * controller's log) by one entry each: past {@code WARREN_EGRESS_LOG_RATE} they are counted into a
 * summary entry, and every one is accounted for.
 */
class EgressLogFloodTest {
  static final int FLOOD = 600;
  static TestWarren warren;

  @BeforeAll
  static void start() {
    warren = TestWarren.start(Map.of("WARREN_EGRESS_LOG_RATE", "5/20"));
  }

  @AfterAll
  static void stop() {
    if (warren != null) {
      warren.close();
    }
  }

  @Test
  void refusedConnectionsPastTheRateAreCountedNotRecordedOneByOne() {
    String id = warren.createSandbox("{}");
    ProxyProbe probe = new ProxyProbe(warren);
    String script = "import os, socket\n"
        + "host, port = os.environ['HTTP_PROXY'].replace('http://', '').rstrip('/').rsplit(':', 1)\n"
        + "codes = {}\n"
        + "for i in range(" + FLOOD + "):\n"
        + "    s = socket.create_connection((host, int(port)), 10)\n"
        + "    s.sendall(b'CONNECT blocked%d.example:443 HTTP/1.1\\r\\n\\r\\n' % i)\n"
        + "    c = s.recv(12)[9:12]\n"
        + "    codes[c] = codes.get(c, 0) + 1\n"
        + "    s.close()\n"
        + "print(codes)\n";
    warren.put("/v1/sandboxes/" + id + "/files?path=/tmp/flood.py", script.getBytes());
    assertThat(probe.exec(id, "python3 /tmp/flood.py").path("stdout").asString()).contains("b'403': " + FLOOD);
    JsonNode events = warren.get("/v1/sandboxes/" + id + "/egress?limit=1000").json().path("events");
    assertThat(events.size()).as("entries for %d refused connections", FLOOD).isLessThan(100);
    long counted = 0;
    Pattern summary = Pattern.compile("(\\d+) more connections? not recorded one by one: (\\d+) refused, 0 allowed");
    for (JsonNode e : events) {
      Matcher m = summary.matcher(e.path("reason").asString());
      counted += m.find() ? Long.parseLong(m.group(1)) : 1;
    }
    assertThat(counted).as("recorded plus counted").isEqualTo(FLOOD);
    assertThat(warren.log(100_000).lines().filter(l -> l.contains("blocked") && l.contains("refused")).count())
        .as("controller log lines about them").isLessThan(100);
  }
}
