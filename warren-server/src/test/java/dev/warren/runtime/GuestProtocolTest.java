package dev.warren.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.warren.testing.TestWarren;
import dev.warren.testing.WarrenFixture;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * The in-sandbox half refuses a protocol version it does not speak, saying so. A process in the
 * sandbox can write into the agent's or a session's FIFO (they are the sandbox's own), which is how
 * these tests speak an unknown version.
 */
class GuestProtocolTest {
  @RegisterExtension
  static final WarrenFixture fixture = WarrenFixture.plain();
  static TestWarren warren;
  static String sandbox;

  @BeforeAll
  static void start() {
    warren = fixture.server();
    sandbox = warren.createSandbox("{}");
  }

  private static String stdout(String command) {
    JsonNode r = warren.exec(sandbox, command);
    assertThat(r.path("exitCode").asInt()).as(r.toString()).isZero();
    return r.path("stdout").asString();
  }

  @Test
  void theAgentAnnouncesItsVersionRefusesAnUnknownHelloAndRunsCommandsAgainOnceTheControllerSaysHello() {
    assertThat(stdout("cat /var/lib/warren/agent/ready")).matches("\\d+ warren-guest 1\n");
    stdout("printf 'warren-guest 7\\n' > /var/lib/warren/agent/ctl");
    await().atMost(Duration.ofSeconds(10)).until(() -> stdout("cat /var/lib/warren/agent/refused 2>/dev/null || true").contains("'7'"));
    assertThat(stdout("cat /var/lib/warren/agent/refused"))
        .isEqualTo("this agent speaks warren-guest 1; the controller asked for version '7'; requests are ignored until a hello of version 1\n");
    // the controller said hello again when it saw the refusal: commands run through the agent
    for (int i = 0; i < 5; i++) {
      assertThat(stdout("echo $WARREN_EXEC_ID-" + i)).matches("[0-9a-f]+-" + i + "\n");
    }
  }

  @Test
  void aSessionShellRefusesAnUnknownHelloAndTheSessionEndsSayingWhy() {
    String base = "/v1/sandboxes/" + sandbox + "/sessions";
    TestWarren.Resp created = warren.post(base, TestWarren.json(Map.of()));
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
    String session = created.json().path("id").asString();
    assertThat(stdout("cat /var/lib/warren/sessions/" + session + "/ready")).matches("\\d+ \\d+ warren-guest 1\n");
    TestWarren.Resp r = warren.post(base + "/" + session + "/commands",
        TestWarren.json(Map.of("command", "printf 'warren-guest 9\\n' > /var/lib/warren/sessions/$WARREN_SESSION_ID/ctl; echo sent")));
    assertThat(r.json().path("stdout").asString()).as(r.toString()).isEqualTo("sent\n");
    JsonNode ended = await().atMost(Duration.ofSeconds(20)).until(() -> warren.get(base + "/" + session).json(),
        s -> s.path("state").asString().equals("ended"));
    assertThat(ended.path("stateReason").asString()).as(ended.toString())
        .contains("refused the controller: this shell speaks warren-guest 1; the controller asked for version '9'");
  }
}
