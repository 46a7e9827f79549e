package dev.warren.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import dev.warren.testing.PreviewApp;
import dev.warren.testing.TestWarren;
import dev.warren.testing.TestWarren.Resp;
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
    PreviewApp.start(f.warren, sbx, 8000);
  }

  @AfterAll
  static void stop() {
    f.close();
  }

  @Test
  void thePortsTabListsTheAppAndOpenOpensItInANewTab() {
    try (BrowserContext ctx = f.context()) {
      Page page = f.loggedIn(ctx);
      page.navigate(f.url("/#/sandboxes/" + sbx + "/ports"));
      page.waitForSelector("#ports tr[data-port='8000']");
      assertThat(page.textContent("#ports tr[data-port='8000']")).contains("8000").contains("0.0.0.0");
      Page opened = ctx.waitForPage(() -> page.click("#ports tr[data-port='8000'] button.open-port"));
      opened.waitForLoadState();
      assertThat(opened.textContent("body")).isEqualTo("hello from the app at /");
      assertThat(opened.url()).as("a minted URL on the address the browser reached Warren at").startsWith(f.url("/v1/previews/"));
      assertThat(opened.evaluate("() => window.opener")).as("opened without an opener").isNull();
      // the link stays on the dashboard, with its expiry
      assertThat(page.textContent("#ports tr[data-port='8000'] .minted")).contains(f.url("/v1/previews/")).contains("until");
      // Copy link mints another URL and shows it
      page.click("#ports tr[data-port='8000'] button.copy-port");
      page.waitForFunction("() => /^(Copied|Link) /.test(document.querySelector(\"#ports tr[data-port='8000'] .minted\").textContent)");
      assertThat(page.textContent("#ports tr[data-port='8000'] .minted")).contains(f.url("/v1/previews/"));
      opened.close();
    }
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
