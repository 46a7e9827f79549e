package dev.warren.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.management.HotSpotDiagnosticMXBean;
import dev.warren.security.InProcessWarren;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A controller that closes ends the threads its commands started. In the test's own JVM: what is
 * looked at is the controller's threads (virtual ones too, through a thread dump).
 */
class ShellServiceCloseTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private static JsonNode call(InProcessWarren w, HttpClient http, String method, String path, Object body) throws Exception {
    HttpRequest r = HttpRequest.newBuilder(URI.create(w.base() + path)).timeout(Duration.ofSeconds(60))
        .header("Authorization", "Bearer " + w.token).header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
        .build();
    HttpResponse<String> resp = http.send(r, HttpResponse.BodyHandlers.ofString());
    assertThat(resp.statusCode()).as("%s %s: %s", method, path, resp.body()).isBetween(200, 299);
    return JSON.readTree(resp.body());
  }

  /** Threads (platform and virtual) with a frame in Commands, or named as its workers are. */
  private static List<String> commandThreads() throws Exception {
    Path dump = Path.of("/tmp/warren-threads-" + ProcessHandle.current().pid() + "-" + System.nanoTime() + ".json");
    try {
      ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class).dumpThreads(dump.toString(),
          HotSpotDiagnosticMXBean.ThreadDumpFormat.JSON);
      List<String> found = new ArrayList<>();
      for (JsonNode container : JSON.readTree(dump.toFile()).path("threadDump").path("threadContainers")) {
        for (JsonNode t : container.path("threads")) {
          String stack = t.path("stack").toString();
          String name = t.path("name").asString();
          if (stack.contains("dev.warren.shell.Commands") || name.matches("(stdin|stdin-close|finish|timeout|prepare|running)-.*")) {
            found.add(name + " " + stack);
          }
        }
      }
      return found;
    } finally {
      Files.deleteIfExists(dump);
    }
  }

  @Test
  void aClosedControllerLeavesNoThreadItsCommandsStartedRunning() throws Exception {
    try (InProcessWarren w = InProcessWarren.start(Map.of()); HttpClient http = HttpClient.newHttpClient()) {
      String sandbox = call(w, http, "POST", "/v1/sandboxes", Map.of()).path("id").asString();
      String session = call(w, http, "POST", "/v1/sandboxes/" + sandbox + "/sessions", Map.of()).path("id").asString();
      String base = "/v1/sandboxes/" + sandbox + "/sessions/" + session + "/commands";
      // ignores its timeout: the shell ignores INT and a new sleep replaces each one killed, so the
      // timeout's thread waits (2 s, then 3 s) before it replaces the shell
      String stuck = call(w, http, "POST", base, Map.of("command", "trap '' INT; while :; do sleep 0.2 & wait; done",
          "async", true, "timeoutSeconds", 1)).path("id").asString();
      // queued behind it with more stdin than its FIFO holds: the stdin thread blocks in its write
      call(w, http, "POST", base, Map.of("command", "cat > /dev/null", "async", true, "keepStdinOpen", true, "stdin", "x".repeat(256 * 1024)));
      // its timeout is being enforced (the command is marked timed out and still runs): that thread waits now
      await().atMost(Duration.ofSeconds(15)).until(() -> call(w, http, "GET", base + "/" + stuck, null).path("timedOut").asBoolean());
      assertThat(call(w, http, "GET", base + "/" + stuck, null).path("state").asString()).isEqualTo("running");
      assertThat(commandThreads()).as("threads of commands while they run").isNotEmpty();
      w.server.close();
      List<String> left = commandThreads();
      if (!left.isEmpty()) {
        // a thread left running would still act on the sandbox while the teardown destroys it
        try {
          await().atMost(Duration.ofSeconds(15)).until(() -> commandThreads().isEmpty());
        } catch (org.awaitility.core.ConditionTimeoutException ignored) {
          // reported below
        }
      }
      assertThat(left).as("threads of commands once the controller closed").isEmpty();
    }
  }
}
