package dev.warren.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import dev.warren.testing.TestWarren;
import dev.warren.testing.TestWarren.Resp;
import java.io.InputStream;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A sandbox's web app seen from a browser that is logged in to the dashboard: the ports tab lists
 * what listens and opens it, and the app's pages, served on Warren's own origin behind a path,
 * can neither read the dashboard nor call the API with the dashboard's session.
 */
class DashboardPortsTest {
  @RegisterExtension
  static final DashboardFixture f = new DashboardFixture(TestWarren.start());
  static String sbx;

  @BeforeAll
  static void app() throws Exception {
    sbx = f.warren.createSandbox("{}");
    byte[] app;
    try (InputStream in = DashboardPortsTest.class.getResourceAsStream("/preview/app.py")) {
      app = in.readAllBytes();
    }
    assertThat(f.warren.put("/v1/sandboxes/" + sbx + "/files?path=/tmp/app.py", app).status()).isEqualTo(204);
    f.warren.exec(sbx, "nohup python3 /tmp/app.py 8000 >/tmp/app.log 2>&1 & echo started");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (f.warren.get("/v1/sandboxes/" + sbx + "/ports/8000/ready").status() != 200) {
      assertThat(System.nanoTime()).as("the app answers within 60 s").isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  @AfterAll
  static void stop() {
    f.close();
  }

  @Test
  void anAppPageBehindAPathCannotReadTheDashboardNorCallTheApiWithItsSession() {
    Resp minted = f.warren.post("/v1/sandboxes/" + sbx + "/ports/8000/url", "{\"access\": \"public\"}");
    assertThat(minted.status()).as(minted.toString()).isEqualTo(201);
    // the browser reaches Warren at its own address for it: keep the URL's path
    String url = f.url(java.net.URI.create(minted.json().path("url").asString()).getPath());
    try (BrowserContext ctx = f.context()) {
      Page page = f.loggedIn(ctx);
      // the same browser, logged in to the dashboard, opens a page the sandbox's app serves
      page.navigate(url + "probe.html");
      page.waitForFunction("document.getElementById('out') && document.getElementById('out').textContent !== 'running'");
      String seen = page.textContent("#out");
      assertThat(seen).as("what the app's script reached").doesNotContain("csrf").doesNotContain("api:200");
      assertThat(seen).contains("dashboard:blocked").contains("api:blocked");
      // the dashboard itself still works in that browser
      page.navigate(f.url("/"));
      page.waitForSelector("#sandboxes");
    }
  }
}
