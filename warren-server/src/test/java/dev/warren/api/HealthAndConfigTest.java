package dev.warren.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.testing.TestWarren;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HealthAndConfigTest {

  @Test
  void healthReadinessMetricsAndTheToken() throws Exception {
    try (TestWarren warren = TestWarren.start()) {
      assertThat(warren.get("/healthz").json().path("status").asString()).isEqualTo("ok");
      var ready = warren.get("/readyz");
      assertThat(ready.status()).isEqualTo(200);
      assertThat(ready.json().path("checks").path("store").asString()).isEqualTo("ok");
      assertThat(ready.json().path("checks").path("runtime").asString()).isEqualTo("ok");
      warren.createSandbox("{}");
      String metrics = warren.get("/metrics").text();
      assertThat(metrics).contains("warren_sandboxes{state=\"running\"} 1.0");
      assertThat(metrics).contains("warren_http_requests_seconds_count{method=\"POST\",route=\"/v1/sandboxes\",status=\"201\"} 1");

      var token = warren.dataDir().resolve("token");
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(token))).isEqualTo("rw-------");
      assertThat(warren.token()).startsWith("wrn_").hasSizeGreaterThan(40);
      // the controller's output goes to a file here, not a terminal: it says where the token is, never the token
      assertThat(warren.log(400)).contains("API token written to " + token).doesNotContain(warren.token());
      warren.restart();
      assertThat(warren.token()).isEqualTo(Files.readString(token).strip());
      assertThat(warren.log(400)).doesNotContain(warren.token());
    }
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(delimiter = '|', value = {
      "WARREN_LISTEN       | nonsense             | WARREN_LISTEN: expected host:port",
      "WARREN_LISTEN       | 127.0.0.1:99999      | WARREN_LISTEN: port must be between 0 and 65535",
      "WARREN_DATA         | relative/dir         | WARREN_DATA: must be an absolute path",
      "WARREN_DB_URL       | jdbc:mysql://x/y     | WARREN_DB_URL: expected jdbc:sqlite:",
      "WARREN_MAX_SANDBOXES| -3                   | WARREN_MAX_SANDBOXES: must be between 1 and 1024",
      "WARREN_IDLE_TIMEOUT | soon                 | WARREN_IDLE_TIMEOUT: expected a duration",
      "WARREN_IDLE_ACTION  | hibernate            | WARREN_IDLE_ACTION: expected stop or pause, got 'hibernate'",
      "WARREN_PAUSED_TIMEOUT | 60d                | WARREN_PAUSED_TIMEOUT: must be at most 30 days",
      "WARREN_SUBNET       | 10.0.0.0/30          | WARREN_SUBNET: prefix must be between /8 and /24",
      "WARREN_RATE_LIMIT   | fast                 | WARREN_RATE_LIMIT: expected RATE or RATE/BURST",
      "WARREN_RATE_LIMIT   | 10/0                 | WARREN_RATE_LIMIT: the burst must be between 1 and",
      "WARREN_MIN_FREE_SPACE | lots               | WARREN_MIN_FREE_SPACE: expected a size like 500MB, 64m",
      "WARREN_DB_TIMEOUT   | 1ms                  | WARREN_DB_TIMEOUT: must be between 250ms and 10m",
      "WARREN_RUNTIME      | firecracker          | WARREN_RUNTIME: unknown runtime 'firecracker'; known runtimes: crun",
  })
  void badSettingsStopStartUpWithOneLineNamingThem(String name, String value, String message) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
        "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), "dev.warren.Main", "serve"));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("WARREN_"));
    pb.environment().put("WARREN_DATA", "/tmp/warren-never-created");
    pb.environment().put(name, value);
    Process p = pb.start();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    String out = new String(p.getInputStream().readAllBytes()).strip();
    assertThat(p.exitValue()).isEqualTo(2);
    assertThat(out.lines().toList()).hasSize(1);
    assertThat(out).startsWith("warren: ").contains(message);
    assertThat(Files.exists(java.nio.file.Path.of("/tmp/warren-never-created"))).isFalse();
  }
}
