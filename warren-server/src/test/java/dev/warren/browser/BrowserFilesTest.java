package dev.warren.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.warren.testing.TestWarren;
import dev.warren.testing.TestWarren.Resp;
import dev.warren.testing.WarrenFixture;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/** Files in and out of a browser session's pages: what they download is listed and fetched; the upload action fills a file input. */
class BrowserFilesTest {
  @RegisterExtension
  static final WarrenFixture warren = WarrenFixture.withBrowserImage();
  static TestSite site;

  /** A page whose file input shows the chosen file's name and size in its title. */
  static final String FILE_PAGE = "data:text/html,<title>none</title><input id=f type=file onchange=\"document.title = this.files[0].name"
      + " + ':' + this.files[0].size\"><p id=not-a-file>text</p>";

  @BeforeAll
  static void start() throws Exception {
    site = new TestSite();
  }

  @AfterAll
  static void stop() {
    if (site != null) {
      site.close();
    }
  }

  @Test
  void aDownloadedFileIsListedWithItsSizeAndFetchedWithItsBytes() {
    TestWarren w = warren.server();
    JsonNode b = create(Map.of("egress", Map.of("allow", List.of(site.allow()))));
    String id = b.path("id").asString();
    try {
      String a = "/v1/browsers/" + id + "/actions/";
      assertThat(w.post(a + "navigate", TestWarren.json(Map.of("url", site.url("/downloads")))).status()).isEqualTo(200);
      assertThat(w.get("/v1/browsers/" + id + "/downloads").json().path("downloads")).isEmpty();
      Resp click = w.post(a + "click", TestWarren.json(Map.of("selector", "#dl")));
      assertThat(click.status()).as(click.toString()).isEqualTo(200);

      await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
        JsonNode list = w.get("/v1/browsers/" + id + "/downloads").json();
        assertThat(list.path("downloads")).as(list.toString()).hasSize(1);
        JsonNode d = list.path("downloads").get(0);
        assertThat(d.path("name").asString()).isEqualTo("report.bin");
        assertThat(d.path("state").asString()).isEqualTo("complete");
        assertThat(d.path("size").asLong()).isEqualTo(TestSite.REPORT.length);
        assertThat(d.path("url").asString()).isEqualTo(site.url("/report.bin"));
      });
      Resp bytes = w.get("/v1/browsers/" + id + "/downloads/report.bin");
      assertThat(bytes.status()).isEqualTo(200);
      assertThat(bytes.body()).isEqualTo(TestSite.REPORT);
      // the same file through the sandbox's file API, where the list says it is
      String dir = w.get("/v1/browsers/" + id + "/downloads").json().path("directory").asString();
      Resp viaFiles = w.get("/v1/sandboxes/" + b.path("sandboxId").asString() + "/files?path=" + dir + "/report.bin");
      assertThat(viaFiles.body()).isEqualTo(TestSite.REPORT);

      Resp missing = w.get("/v1/browsers/" + id + "/downloads/nothing.bin");
      assertThat(missing.status()).as(missing.toString()).isEqualTo(404);
      Resp dots = w.get("/v1/browsers/" + id + "/downloads/..");
      assertThat(dots.status()).as(dots.toString()).isEqualTo(400);
      assertThat(dots.json().path("field").asString()).isEqualTo("name");
    } finally {
      w.delete("/v1/browsers/" + id);
    }
  }

  @Test
  void theUploadActionFillsAFileInputFromTheRequestOrFromTheSandbox() {
    TestWarren w = warren.server();
    JsonNode b = create(Map.of());
    String id = b.path("id").asString();
    try {
      String a = "/v1/browsers/" + id + "/actions/";
      assertThat(w.post(a + "navigate", TestWarren.json(Map.of("url", FILE_PAGE))).status()).isEqualTo(200);
      byte[] content = "a report, uploaded\n".repeat(100).getBytes(StandardCharsets.UTF_8);
      Resp sent = w.post(a + "upload", TestWarren.json(Map.of("selector", "#f", "name", "report.txt",
          "content", Base64.getEncoder().encodeToString(content))));
      assertThat(sent.status()).as(sent.toString()).isEqualTo(200);
      assertThat(sent.json().path("size").asLong()).isEqualTo(content.length);
      assertThat(title(id)).isEqualTo("report.txt:" + content.length);

      String sandbox = b.path("sandboxId").asString();
      assertThat(w.put("/v1/sandboxes/" + sandbox + "/files?path=/tmp/in-sandbox.csv", "a,b\n1,2\n".getBytes(StandardCharsets.UTF_8))
          .status()).isEqualTo(204);
      Resp fromSandbox = w.post(a + "upload", TestWarren.json(Map.of("selector", "#f", "path", "/tmp/in-sandbox.csv")));
      assertThat(fromSandbox.status()).as(fromSandbox.toString()).isEqualTo(200);
      assertThat(title(id)).isEqualTo("in-sandbox.csv:8");

      assertField(w.post(a + "upload", TestWarren.json(Map.of("selector", "#f"))), "path");
      assertField(w.post(a + "upload", TestWarren.json(Map.of("selector", "#f", "name", "x", "content", "not base64!"))), "content");
      assertField(w.post(a + "upload", TestWarren.json(Map.of("selector", "#f", "content", "eA=="))), "name");
      assertField(w.post(a + "upload", TestWarren.json(Map.of("selector", "#f", "path", "/tmp/none"))), "path");
      assertField(w.post(a + "upload", TestWarren.json(Map.of("path", "/tmp/in-sandbox.csv"))), "selector");
      Resp notAnInput = w.post(a + "upload", TestWarren.json(Map.of("selector", "#not-a-file", "path", "/tmp/in-sandbox.csv")));
      assertThat(notAnInput.status()).as(notAnInput.toString()).isEqualTo(409);
      assertThat(notAnInput.json().path("detail").asString()).contains("not a file input");
    } finally {
      w.delete("/v1/browsers/" + id);
    }
  }

  private static String title(String id) {
    return warren.server().post("/v1/browsers/" + id + "/actions/evaluate", TestWarren.json(Map.of("expression", "document.title")))
        .json().path("value").asString();
  }

  private static void assertField(Resp r, String field) {
    assertThat(r.status()).as(r.toString()).isEqualTo(400);
    assertThat(r.json().path("field").asString()).as(r.toString()).isEqualTo(field);
  }

  private static JsonNode create(Map<String, Object> body) {
    Resp r = warren.server().post("/v1/browsers", TestWarren.json(body));
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    return r.json();
  }
}
