package dev.warren.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.testing.HostState;
import dev.warren.testing.TestWarren;
import dev.warren.testing.TestWarren.Resp;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class SandboxLifecycleTest {
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
  void createExecFilesStopStartDeleteLeavesNothingBehind() {
    String id = warren.createSandbox("""
        {"env": {"GREETING": "hello world"}, "labels": {"suite": "lifecycle"}, "limits": {"memoryMb": 256, "pids": 128, "cpus": 0.5}}
        """);
    JsonNode s = warren.get("/v1/sandboxes/" + id).json();
    assertThat(s.path("state").asString()).isEqualTo("running");
    assertThat(s.path("generation").asLong()).isEqualTo(1);
    assertThat(s.path("limits").path("memoryMb").asInt()).isEqualTo(256);

    JsonNode r = warren.exec(id, "echo \"$GREETING\"; hostname; echo gen=$WARREN_GENERATION; id -u; cat /sys/fs/cgroup/memory.max 2>/dev/null; echo done");
    assertThat(r.path("exitCode").asInt()).isZero();
    assertThat(r.path("stdout").asString()).contains("hello world\n" + id + "\ngen=1\n0\n").endsWith("done\n");

    Resp put = warren.put("/v1/sandboxes/" + id + "/files?path=/workspace/notes/hello.txt", "héllo files\n".getBytes(StandardCharsets.UTF_8));
    assertThat(put.status()).as(put.toString()).isEqualTo(204);
    Resp got = warren.get("/v1/sandboxes/" + id + "/files?path=/workspace/notes/hello.txt");
    assertThat(got.status()).isEqualTo(200);
    assertThat(got.text()).isEqualTo("héllo files\n");
    JsonNode inside = warren.exec(id, "cat /workspace/notes/hello.txt; stat -c '%u %g %a' /workspace/notes/hello.txt /workspace/notes");
    assertThat(inside.path("stdout").asString()).isEqualTo("héllo files\n0 0 644\n0 0 755\n");
    JsonNode listing = warren.get("/v1/sandboxes/" + id + "/files/list?path=/workspace/notes").json();
    assertThat(listing.path("entries")).hasSize(1);
    assertThat(listing.path("entries").get(0).path("name").asString()).isEqualTo("hello.txt");
    assertThat(listing.path("entries").get(0).path("size").asLong()).isEqualTo("héllo files\n".getBytes(StandardCharsets.UTF_8).length);

    Resp stop = warren.post("/v1/sandboxes/" + id + "/stop", null);
    assertThat(stop.status()).as(stop.toString()).isEqualTo(200);
    assertThat(stop.json().path("state").asString()).isEqualTo("stopped");
    assertThat(HostState.processesOf(id)).isEmpty();
    Resp execStopped = warren.post("/v1/sandboxes/" + id + "/exec", "{\"command\":\"true\"}");
    assertThat(execStopped.status()).isEqualTo(409);
    assertThat(execStopped.json().path("state").asString()).isEqualTo("stopped");

    Resp start = warren.post("/v1/sandboxes/" + id + "/start", null);
    assertThat(start.status()).as(start.toString()).isEqualTo(200);
    assertThat(start.json().path("generation").asLong()).isEqualTo(2);
    JsonNode after = warren.exec(id, "cat /workspace/notes/hello.txt; echo gen=$WARREN_GENERATION");
    assertThat(after.path("stdout").asString()).isEqualTo("héllo files\ngen=2\n");

    assertThat(warren.delete("/v1/sandboxes/" + id).status()).isEqualTo(204);
    assertThat(warren.get("/v1/sandboxes/" + id).status()).isEqualTo(404);
    assertThat(HostState.leftoversOf(id)).isEmpty();
    assertThat(warren.dataDir().resolve("sandboxes").resolve(id)).doesNotExist();
  }
}
