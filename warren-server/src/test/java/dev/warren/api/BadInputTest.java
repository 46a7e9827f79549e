package dev.warren.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.testing.TestWarren;
import dev.warren.testing.TestWarren.Resp;
import java.net.http.HttpRequest;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;

/** Bad input gets a 4xx problem naming the field, and nothing already stored is harmed. */
class BadInputTest {
  static TestWarren warren;
  static String id;
  static String before;

  @BeforeAll
  static void start() {
    warren = TestWarren.start();
    id = warren.createSandbox("{\"labels\": {\"keep\": \"me\"}, \"env\": {\"A\": \"1\"}}");
    warren.put("/v1/sandboxes/" + id + "/files?path=/workspace/keep.txt", "precious".getBytes());
    before = normalized(warren.get("/v1/sandboxes/" + id).json());
  }

  @AfterAll
  static void stop() {
    if (warren != null) {
      try {
        // nothing stored was harmed by everything this class sent
        JsonNode all = warren.get("/v1/sandboxes").json().path("sandboxes");
        assertThat(all).hasSize(1);
        assertThat(normalized(warren.get("/v1/sandboxes/" + id).json())).isEqualTo(before);
        assertThat(warren.get("/v1/sandboxes/" + id + "/files?path=/workspace/keep.txt").text()).isEqualTo("precious");
      } finally {
        warren.close();
      }
    }
  }

  /** The stored sandbox, without what is measured live (activity, usage: memory, CPU, disk). */
  private static String normalized(JsonNode s) {
    return ((tools.jackson.databind.node.ObjectNode) s.deepCopy()).without(java.util.List.of("lastActivityAt", "usage")).toString();
  }

  private static void assertProblem(Resp r, int status, String field) {
    assertThat(r.status()).as(r.toString()).isEqualTo(status);
    assertThat(r.raw().headers().firstValue("Content-Type")).hasValue("application/problem+json");
    JsonNode p = r.json();
    assertThat(p.path("type").asString()).startsWith("https://warren.dev/problems/");
    assertThat(p.path("status").asInt()).isEqualTo(status);
    assertThat(p.path("detail").asString()).isNotBlank();
    if (field != null) {
      assertThat(p.path("field").asString()).isEqualTo(field);
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "malformed JSON              | {\"image\": | body",
      "not an object               | [1,2]                       | body",
      "unknown field               | {\"imagee\": \"base\"}      | imagee",
      "unknown nested field        | {\"limits\": {\"memory\": 5}} | limits.memory",
      "negative memory             | {\"limits\": {\"memoryMb\": -5}} | limits.memoryMb",
      "zero pids                   | {\"limits\": {\"pids\": 0}} | limits.pids",
      "cpus as a string            | {\"limits\": {\"cpus\": \"two\"}} | limits.cpus",
      "too many cpus               | {\"limits\": {\"cpus\": 100000}} | limits.cpus",
      "env value not a string      | {\"env\": {\"A\": 1}}      | env.A",
      "bad env name                | {\"env\": {\"1A\": \"x\"}}  | env.1A",
      "reserved env name           | {\"env\": {\"WARREN_X\": \"x\"}} | env.WARREN_X",
      "label with newline          | {\"labels\": {\"a\": \"x\\ny\"}} | labels.a",
      "negative idle timeout       | {\"idleTimeoutSeconds\": -1} | idleTimeoutSeconds",
      "fractional idle timeout     | {\"idleTimeoutSeconds\": 1.5} | idleTimeoutSeconds",
      "unknown image               | {\"image\": \"nope\"}       | image",
      "image name with slash       | {\"image\": \"../base\"}   | image",
      "allow not a list            | {\"egress\": {\"allow\": \"*\"}} | egress.allow",
  })
  void badCreatesAreRefusedWithTheField(String why, String body, String field) {
    assertProblem(warren.post("/v1/sandboxes", body), 400, field);
  }

  @Test
  void unknownIdsAre404() {
    assertProblem(warren.get("/v1/sandboxes/sbx_00000000000000000000000000"), 404, null);
    assertProblem(warren.get("/v1/sandboxes/not-an-id"), 404, null);
    assertProblem(warren.post("/v1/sandboxes/sbx_00000000000000000000000000/stop", null), 404, null);
    assertProblem(warren.delete("/v1/sandboxes/sbx_00000000000000000000000000"), 404, null);
    assertProblem(warren.get("/v1/nothing-here"), 404, null);
  }

  @Test
  void missingOrWrongTokenIs401OnEveryRoute() {
    for (String path : new String[] {"/v1/sandboxes", "/v1/sandboxes/" + id, "/v1/sandboxes/" + id + "/files?path=/etc/passwd"}) {
      assertProblem(warren.send("GET", path, HttpRequest.BodyPublishers.noBody(), Map.of(), null), 401, null);
      assertProblem(warren.send("GET", path, HttpRequest.BodyPublishers.noBody(), Map.of(), "wrn_wrong"), 401, null);
    }
    assertProblem(warren.send("POST", "/v1/sandboxes", HttpRequest.BodyPublishers.ofString("{}"), Map.of(), "nope"), 401, null);
    assertThat(warren.send("GET", "/healthz", HttpRequest.BodyPublishers.noBody(), Map.of(), null).status()).isEqualTo(200);
  }

  @Test
  void badExecRequests() {
    String exec = "/v1/sandboxes/" + id + "/exec";
    assertProblem(warren.post(exec, "{}"), 400, "command");
    assertProblem(warren.post(exec, "{\"command\": \"ls\", \"argv\": [\"ls\"]}"), 400, "argv");
    assertProblem(warren.post(exec, "{\"argv\": []}"), 400, "argv");
    assertProblem(warren.post(exec, "{\"argv\": [1]}"), 400, "argv[0]");
    assertProblem(warren.post(exec, "{\"command\": \"ls\", \"timeoutSeconds\": 0}"), 400, "timeoutSeconds");
    assertProblem(warren.post(exec, "{\"command\": \"ls\", \"cwd\": \"relative\"}"), 400, "cwd");
    assertProblem(warren.post(exec, "{\"command\": \"ls\", \"shell\": true}"), 400, "shell");
  }

  @Test
  void badFileRequests() {
    String files = "/v1/sandboxes/" + id + "/files";
    assertProblem(warren.get(files), 400, "path");
    assertProblem(warren.get(files + "?path=relative/x"), 400, "path");
    assertProblem(warren.get(files + "?path=/workspace"), 400, "path");
    assertProblem(warren.get(files + "?path=/no/such/file"), 404, null);
    assertProblem(warren.put(files + "?path=/workspace/x&mode=999", new byte[1]), 400, "mode");
    assertProblem(warren.delete(files + "?path=/"), 400, "path");
    // traversal stays inside the sandbox: the sandbox's own passwd, never the host's
    Resp passwd = warren.get(files + "?path=/workspace/../../../../etc/passwd");
    assertThat(passwd.status()).isEqualTo(200);
    assertThat(passwd.text()).isEqualTo(warren.exec(id, "cat /etc/passwd").path("stdout").asString());
    warren.exec(id, "ln -sfn / /workspace/root-link; ln -sfn ../../../../../.. /workspace/up-link");
    Resp viaLink = warren.get(files + "?path=/workspace/up-link/etc/os-release");
    assertThat(viaLink.status()).isEqualTo(200);
    assertThat(viaLink.text()).isEqualTo(warren.exec(id, "cat /etc/os-release").path("stdout").asString()).contains("bookworm");
    // writing through a link that points outside lands inside the sandbox
    assertThat(warren.put(files + "?path=/workspace/root-link/tmp/through-link", "x".getBytes()).status()).isEqualTo(204);
    assertThat(warren.exec(id, "cat /tmp/through-link").path("stdout").asString()).isEqualTo("x");
    assertThat(java.nio.file.Files.exists(java.nio.file.Path.of("/tmp/through-link"))).isFalse();
    warren.exec(id, "rm -f /workspace/root-link /workspace/up-link /tmp/through-link");
  }

  @Test
  void badQueriesAndHeaders() {
    assertProblem(warren.get("/v1/sandboxes?state=sleeping"), 400, "state");
    assertProblem(warren.get("/v1/sandboxes?label=novalue"), 400, "label");
    assertProblem(warren.get("/v1/sandboxes/" + id + "/egress?limit=0"), 400, "limit");
    Resp badKey = warren.send("POST", "/v1/sandboxes", HttpRequest.BodyPublishers.ofString("{}"),
        Map.of("Idempotency-Key", "x".repeat(300)), warren.token());
    assertProblem(badKey, 400, "Idempotency-Key");
  }

  @Test
  void stateConflictsAre409WithTheState() {
    String other = warren.createSandbox("{}");
    warren.post("/v1/sandboxes/" + other + "/stop", null);
    Resp r = warren.put("/v1/sandboxes/" + other + "/files?path=/x", new byte[1]);
    assertProblem(r, 409, null);
    assertThat(r.json().path("state").asString()).isEqualTo("stopped");
    assertThat(warren.delete("/v1/sandboxes/" + other).status()).isEqualTo(204);
  }
}
