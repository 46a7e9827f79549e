package dev.warren.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.testing.OutsideHost;
import dev.warren.testing.TestWarren;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The API token and upstream proxy credentials never appear in the controller's log, in a
 * sandbox's environment or files, in the sandbox's OCI bundle, or in any process's command line
 * on the host.
 */
class SecretsTest {

  @Test
  void tokenAndProxyCredentialsStayOutOfLogsSandboxesAndCommandLines() throws Exception {
    try (TestWarren warren = TestWarren.start()) {
      String token = warren.token();
      String secret = "S3cret-" + UUID.randomUUID();
      String id = warren.createSandbox(TestWarren.json(Map.of("env", Map.of("PLAIN", "value"), "egress", Map.of(
          "allow", List.of("example.test:443"), "upstreamProxy", "http://alice:" + secret + "@" + OutsideHost.shared().target(9)))));
      // the token in a query string (clients that cannot send headers), and a wrong one
      assertThat(warren.send("GET", "/v1/sandboxes?token=" + token, java.net.http.HttpRequest.BodyPublishers.noBody(), Map.of(), null)
          .status()).isEqualTo(200);
      assertThat(warren.send("GET", "/v1/sandboxes?token=" + token + "x", java.net.http.HttpRequest.BodyPublishers.noBody(), Map.of(), null)
          .status()).isEqualTo(401);
      String sid = warren.post("/v1/sandboxes/" + id + "/sessions", "{}").json().path("id").asString();
      warren.post("/v1/sandboxes/" + id + "/sessions/" + sid + "/commands", "{\"command\": \"sleep 60\", \"async\": true}");
      warren.exec(id, "echo ok");
      // a failed request through the proxy, so that the egress path logs too
      warren.exec(id, "curl -s -m 5 https://example.test/ >/dev/null 2>&1; true");

      // inside: environment of every process, every file (the command names the secrets in halves
      // so that its own command line does not contain them)
      String script = "cat /proc/[0-9]*/environ /proc/[0-9]*/cmdline 2>/dev/null | tr '\\0' '\\n'; env; "
          + "t1='" + token.substring(0, 6) + "'; t2='" + token.substring(6) + "'; s1='" + secret.substring(0, 6) + "'; s2='" + secret.substring(6) + "'; "
          + "grep -rlsF -e \"$t1$t2\" -e \"$s1$s2\" / --exclude-dir=proc --exclude-dir=sys --exclude-dir=dev | head; echo end";
      JsonNode inside = warren.exec(id, script);
      assertThat(inside.path("stdout").asString()).contains("PLAIN=value").contains("HTTP_PROXY=").endsWith("end\n")
          .doesNotContain(token).doesNotContain(secret).doesNotContain("alice:");

      // the sandbox's OCI bundle on the host (its environment as crun sees it)
      try (var files = Files.walk(warren.dataDir().resolve("sandboxes").resolve(id), 3)) {
        for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".json")).toList()) {
          String text = Files.readString(f);
          assertThat(text).as(f.toString()).doesNotContain(token).doesNotContain(secret);
        }
      }

      // every process's command line on the host, and the environment of every process of the sandbox
      List<String> leaks = new ArrayList<>();
      try (var procs = Files.list(Path.of("/proc"))) {
        for (Path p : procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).toList()) {
          String cmdline = read(p.resolve("cmdline"));
          if (cmdline.contains(token) || cmdline.contains(secret)) {
            leaks.add("cmdline of " + p.getFileName() + ": " + cmdline.replace('\0', ' '));
          }
        }
      }
      for (long pid : dev.warren.testing.HostState.processesOf(id)) {
        String env = read(Path.of("/proc", Long.toString(pid), "environ"));
        if (env.contains(token) || env.contains(secret)) {
          leaks.add("environment of sandbox process " + pid);
        }
      }
      assertThat(leaks).isEmpty();

      // answers and logs
      assertThat(warren.get("/v1/sandboxes/" + id).text()).doesNotContain(secret).contains("alice:***@");
      assertThat(warren.get("/v1/sandboxes/" + id + "/egress").text()).doesNotContain(secret);
      assertThat(warren.get("/v1/events?limit=1000").text()).doesNotContain(secret).doesNotContain(token);
      String log = Files.readString(warren.logFile());
      assertThat(log).contains("method=GET route=/v1/sandboxes path=/v1/sandboxes status=200").doesNotContain(token).doesNotContain(secret);
      assertThat(log).doesNotContain(token.substring(4, 20));
      warren.delete("/v1/sandboxes/" + id);
    }
  }

  private static String read(Path p) {
    try {
      return new String(Files.readAllBytes(p), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }
}
