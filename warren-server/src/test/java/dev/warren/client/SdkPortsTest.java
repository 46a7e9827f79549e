package dev.warren.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.warren.testing.TestWarren;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The SDK's {@link Sandbox#ports} against a real sandbox: a server that starts listening is listed; a stopped sandbox is a conflict. */
class SdkPortsTest {
  static TestWarren server;

  @RegisterExtension
  static final ServerLogOnFailure logs = new ServerLogOnFailure(() -> server);

  @Test
  void aServerListeningInTheSandboxIsListedAndAStoppedSandboxIsAConflict() throws Exception {
    server = TestWarren.start();
    try (TestWarren s = server; Warren warren = s.sdk(); Sandbox sbx = warren.sandboxes().create(SandboxSpec.builder().build())) {
      assertThat(sbx.ports()).extracting(ListeningPort::port).doesNotContain(8123);
      sbx.exec("cd /tmp && (nohup python3 -m http.server 8123 --bind 0.0.0.0 >/dev/null 2>&1 &) && echo started");
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      List<ListeningPort> ports = sbx.ports();
      while (ports.stream().noneMatch(p -> p.port() == 8123)) {
        assertThat(System.nanoTime()).as("python3 listens within 30 s: %s", ports).isLessThan(deadline);
        Thread.sleep(100);
        ports = sbx.ports();
      }
      ListeningPort p = ports.stream().filter(x -> x.port() == 8123).findFirst().orElseThrow();
      assertThat(p).isEqualTo(new ListeningPort(8123, "0.0.0.0", "ipv4", "/v1/sandboxes/" + sbx.id() + "/ports/8123/", false,
          java.util.Optional.empty()));
      sbx.stop();
      assertThatThrownBy(sbx::ports).isInstanceOf(ConflictException.class).hasMessageContaining(sbx.id());
    }
  }
}
