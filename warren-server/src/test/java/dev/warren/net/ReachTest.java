package dev.warren.net;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.testing.TestWarren;
import dev.warren.testing.TestWarren.Resp;
import dev.warren.testing.WarrenFixture;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * A sandbox, or a browser session, given another sandbox on purpose ({@code reach}) opens the app
 * it serves, through the egress proxy, by the sandbox's id as the host or by its address; without
 * it, or on a port it does not name, the proxy refuses, and sandbox-to-sandbox isolation stays.
 */
class ReachTest {
  @RegisterExtension
  static final WarrenFixture warren = WarrenFixture.withBrowserImage();
  static String app;
  static String appAddress;

  @BeforeAll
  static void serve() throws Exception {
    TestWarren w = warren.server();
    Resp created = w.post("/v1/sandboxes", "{}");
    app = created.json().path("id").asString();
    appAddress = created.json().path("address").asString();
    byte[] py;
    try (InputStream in = ReachTest.class.getResourceAsStream("/preview/app.py")) {
      py = in.readAllBytes();
    }
    assertThat(w.put("/v1/sandboxes/" + app + "/files?path=/tmp/app.py", py).status()).isEqualTo(204);
    w.exec(app, "for p in 8000 8001; do nohup python3 /tmp/app.py $p >/tmp/app-$p.log 2>&1 & done; echo started");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (w.get("/v1/sandboxes/" + app + "/ports/8000/ready").status() != 200 || w.get("/v1/sandboxes/" + app + "/ports/8001/ready").status() != 200) {
      assertThat(System.nanoTime()).as("the app answers within 60 s").isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  /** What {@code url} answers inside {@code sandbox}, fetched through its HTTP_PROXY: "status body". */
  static String fetchFrom(String sandbox, String url) {
    JsonNode r = warren.server().exec(sandbox, "python3 -c \"import urllib.request as u, urllib.error as e, sys\n"
        + "try:\n  r = u.urlopen(sys.argv[1], timeout=10); print(r.status, r.read().decode())\n"
        + "except e.HTTPError as x:\n  print(x.code, x.read().decode())\" " + url);
    return r.path("stdout").asString().strip();
  }

  @Test
  void aSandboxReachesOnlyThePortsItsReachNames() {
    TestWarren w = warren.server();
    String caller = w.createSandbox(TestWarren.json(Map.of("egress", Map.of("reach", List.of(app + ":8000")))));
    String stranger = w.createSandbox("{}");
    try {
      assertThat(w.get("/v1/sandboxes/" + caller).json().path("egress").path("reach").get(0).asString()).isEqualTo(app + ":8000");
      assertThat(fetchFrom(caller, "http://" + app + ":8000/hello")).startsWith("200 hello from the app at /hello");
      assertThat(fetchFrom(caller, "http://" + appAddress + ":8000/hello")).startsWith("200 hello from the app");
      assertThat(fetchFrom(caller, "http://" + app + ":8001/hello")).startsWith("403").contains("egress.reach").contains(app);
      assertThat(fetchFrom(stranger, "http://" + app + ":8000/hello")).startsWith("403").contains(app);
      assertThat(fetchFrom(stranger, "http://" + appAddress + ":8000/hello")).startsWith("403");
      // the app's sandbox did not gain the caller in return
      assertThat(fetchFrom(app, "http://" + caller + ":8000/")).startsWith("403");
    } finally {
      w.delete("/v1/sandboxes/" + caller);
      w.delete("/v1/sandboxes/" + stranger);
    }
  }

  @Test
  void badReachEntriesAreRefusedNamingTheField() {
    TestWarren w = warren.server();
    Resp malformed = w.post("/v1/sandboxes", TestWarren.json(Map.of("egress", Map.of("reach", List.of("10.0.0.1:80")))));
    assertThat(malformed.status()).isEqualTo(400);
    assertThat(malformed.json().path("field").asString()).isEqualTo("egress.reach");
    Resp unknown = w.post("/v1/sandboxes", TestWarren.json(Map.of("egress", Map.of("reach", List.of("sbx_00000000000000000000000000")))));
    assertThat(unknown.status()).isEqualTo(400);
    assertThat(unknown.json().path("detail").asString()).contains("does not exist");
    Resp browser = w.post("/v1/browsers", TestWarren.json(Map.of("reach", List.of(app + ":99999"))));
    assertThat(browser.status()).isEqualTo(400);
    assertThat(browser.json().path("field").asString()).isEqualTo("reach");
  }

  @Test
  void aBrowserGivenTheAppsSandboxOpensItAndOneWithoutIsRefused() {
    TestWarren w = warren.server();
    Resp with = w.post("/v1/browsers", TestWarren.json(Map.of("reach", List.of(app + ":8000"))));
    assertThat(with.status()).as(with.toString()).isEqualTo(201);
    Resp without = w.post("/v1/browsers", "{}");
    assertThat(without.status()).as(without.toString()).isEqualTo(201);
    String a = "/v1/browsers/" + with.json().path("id").asString() + "/actions/";
    String b = "/v1/browsers/" + without.json().path("id").asString() + "/actions/";
    try {
      Resp opened = w.post(a + "navigate", TestWarren.json(Map.of("url", "http://" + app + ":8000/hello")));
      assertThat(opened.status()).as(opened.toString()).isEqualTo(200);
      assertThat(opened.json().path("status").asInt()).isEqualTo(200);
      Resp text = w.post(a + "evaluate", TestWarren.json(Map.of("expression", "document.body.innerText")));
      assertThat(text.toString()).contains("hello from the app at /hello");
      Resp refused = w.post(b + "navigate", TestWarren.json(Map.of("url", "http://" + app + ":8000/hello")));
      assertThat(refused.status()).as(refused.toString()).isEqualTo(409);
      assertThat(refused.json().path("detail").asString()).contains("403");
    } finally {
      w.delete("/v1/browsers/" + with.json().path("id").asString());
      w.delete("/v1/browsers/" + without.json().path("id").asString());
    }
  }
}
