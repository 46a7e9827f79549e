package dev.warren.preview;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.testing.PreviewApp;
import dev.warren.testing.TestWarren;
import dev.warren.testing.TestWarren.Resp;
import dev.warren.testing.WarrenFixture;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/** {@code GET /v1/sandboxes/{id}/ports} through a real controller and a sandbox running {@code preview/app.py}. */
class ListeningPortsApiTest {
  @RegisterExtension
  static final WarrenFixture fixture = WarrenFixture.plain();
  static TestWarren warren;

  @BeforeAll
  static void server() {
    warren = fixture.server();
  }

  static List<Integer> ports(Resp r) {
    List<Integer> out = new ArrayList<>();
    r.json().path("ports").forEach(p -> out.add(p.path("port").asInt()));
    return out;
  }

  @Test
  void aServerThatStartsListeningIsListedWithItsPreviewPath() throws Exception {
    String sbx = warren.createSandbox("{}");
    String ports = "/v1/sandboxes/" + sbx + "/ports";
    Resp before = warren.get(ports);
    assertThat(before.status()).as(before.toString()).isEqualTo(200);
    assertThat(ports(before)).doesNotContain(8000, 8001);
    PreviewApp.start(warren, sbx, 8001, 8000);
    // both answer through their doors, so both listen
    Resp listed = warren.get(ports);
    assertThat(ports(listed)).as(listed.toString()).contains(8000, 8001);
    assertThat(ports(listed)).as("sorted, one entry per port").isSorted().doesNotHaveDuplicates();
    JsonNode p8000 = null;
    for (JsonNode p : listed.json().path("ports")) {
      if (p.path("port").asInt() == 8000) {
        p8000 = p;
      }
    }
    assertThat(p8000.path("address").asString()).isEqualTo("0.0.0.0");
    assertThat(p8000.path("family").asString()).isEqualTo("ipv4");
    assertThat(p8000.path("warren").asBoolean(true)).isFalse();
    assertThat(p8000.has("service")).isFalse();
    assertThat(p8000.path("path").asString()).isEqualTo(ports + "/8000/");
    // the path opens what listens there
    Resp app8000 = warren.get(p8000.path("path").asString());
    assertThat(app8000.status()).isEqualTo(200);
    assertThat(app8000.text()).isEqualTo("hello from the app at /");
    assertThat(warren.delete("/v1/sandboxes/" + sbx).status()).isEqualTo(204);
  }

  @Test
  void aStoppedSandboxIsAConflictAndAnUnknownOneNotFound() {
    String sbx = warren.createSandbox("{}");
    assertThat(warren.post("/v1/sandboxes/" + sbx + "/stop", "{}").status()).isEqualTo(200);
    Resp stopped = warren.get("/v1/sandboxes/" + sbx + "/ports");
    assertThat(stopped.status()).as(stopped.toString()).isEqualTo(409);
    assertThat(stopped.json().path("detail").asString()).contains(sbx).contains("stopped");
    Resp unknown = warren.get("/v1/sandboxes/sbx_00000000000000000000000000/ports");
    assertThat(unknown.status()).as(unknown.toString()).isEqualTo(404);
    Resp noToken = warren.send("GET", "/v1/sandboxes/" + sbx + "/ports", java.net.http.HttpRequest.BodyPublishers.noBody(), java.util.Map.of(),
        null);
    assertThat(noToken.status()).isEqualTo(401);
    assertThat(warren.delete("/v1/sandboxes/" + sbx).status()).isEqualTo(204);
  }
}
