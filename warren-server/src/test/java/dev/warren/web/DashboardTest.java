package dev.warren.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.WaitForSelectorState;
import dev.warren.testing.TestWarren;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/** The dashboard in a real headless Chromium against a real Warren: sandboxes, the terminal, sessions and jobs. */
class DashboardTest {
  @RegisterExtension
  static final DashboardFixture f = new DashboardFixture(TestWarren.start());

  @AfterAll
  static void stop() {
    f.close();
  }

  @Test
  void aBrowserIsSentToTheLoginPageAndInWithTheToken() {
    try (BrowserContext ctx = f.context()) {
      Page page = ctx.newPage();
      var first = page.navigate(f.url("/"));
      // the 401 page sends the browser on to /login
      page.waitForURL("**/login");
      assertThat(first.status()).isEqualTo(401);
      page.fill("#token", "wrn_not-the-token");
      page.click("button[type=submit]");
      assertThat(page.textContent(".error")).contains("not the API token");
      page.fill("#token", f.warren.token());
      page.click("button[type=submit]");
      page.waitForSelector("#sandboxes");
      assertThat(ctx.cookies()).singleElement().satisfies(c -> {
        assertThat(c.httpOnly).isTrue();
        assertThat(c.value).isNotEqualTo(f.warren.token());
      });
      page.click("form.logout button");
      page.waitForURL("**/login");
      assertThat(page.navigate(f.url("/")).status()).isEqualTo(401);
    }
  }

  @Test
  void theFormCreatesASandboxAndTheListShowsIt() {
    try (BrowserContext ctx = f.context()) {
      Page page = f.loggedIn(ctx);
      // a bad value comes back as the problem's detail, naming the field
      page.fill("#create-sandbox [name=memoryMb]", "1");
      page.click("#create-sandbox button[type=submit]");
      Locator error = page.locator("#errors .error-item").first();
      error.waitFor();
      assertThat(error.textContent()).contains("Invalid input").contains("limits.memoryMb");
      assertThat(page.locator("#create-sandbox [name=memoryMb]").getAttribute("class")).contains("invalid");

      page.fill("#create-sandbox [name=image]", "base");
      page.fill("#create-sandbox [name=memoryMb]", "256");
      page.fill("#create-sandbox [name=cpus]", "0.5");
      page.fill("#create-sandbox [name=pids]", "200");
      page.fill("#create-sandbox [name=idleTimeoutSeconds]", "600");
      page.fill("#create-sandbox [name=labels]", "made-by=dashboard-form, team=qa");
      page.click("#create-sandbox button[type=submit]");

      Locator row = page.locator("#sandboxes tr[data-state=running]", new Page.LocatorOptions().setHasText("made-by=dashboard-form"));
      row.waitFor();
      var found = f.warren.get("/v1/sandboxes?label=made-by=dashboard-form");
      JsonNode s = found.json().path("sandboxes").get(0);
      assertThat(found.json().path("sandboxes").size()).isEqualTo(1);
      assertThat(s.path("limits").path("memoryMb").asInt()).isEqualTo(256);
      assertThat(s.path("limits").path("cpus").asDouble()).isEqualTo(0.5);
      assertThat(s.path("limits").path("pids").asInt()).isEqualTo(200);
      assertThat(s.path("idleTimeoutSeconds").asLong()).isEqualTo(600);
      assertThat(s.path("labels").path("team").asString()).isEqualTo("qa");
      assertThat(row.getAttribute("data-id")).isEqualTo(s.path("id").asString());
      assertThat(row.textContent()).contains("base").contains("256 MiB").contains("0.5 CPU").contains("200 pids");
      screenshot(page, "sandboxes");
      f.warren.delete("/v1/sandboxes/" + s.path("id").asString());
    }
  }

  @Test
  void theListFollowsChangesMadeElsewhereWithoutAReload() {
    try (BrowserContext ctx = f.context()) {
      Page page = f.loggedIn(ctx);
      page.evaluate("() => { window.__sameDocument = true; }");
      String id = f.warren.createSandbox("{\"labels\":{\"made-by\":\"api\"}}");
      Locator row = page.locator("#sandboxes tr[data-id=" + id + "]");
      row.waitFor(new Locator.WaitForOptions().setTimeout(10_000));
      assertThat(row.getAttribute("data-state")).isEqualTo("running");
      assertThat(f.warren.post("/v1/sandboxes/" + id + "/stop", null).status()).isEqualTo(200);
      page.waitForSelector("#sandboxes tr[data-id=" + id + "][data-state=stopped]", new Page.WaitForSelectorOptions().setTimeout(10_000));
      // the page's own buttons act too: start it again
      row.locator("button[data-action=start]").click();
      page.waitForSelector("#sandboxes tr[data-id=" + id + "][data-state=running]", new Page.WaitForSelectorOptions().setTimeout(30_000));
      assertThat(f.warren.get("/v1/sandboxes/" + id).json().path("state").asString()).isEqualTo("running");
      assertThat(f.warren.delete("/v1/sandboxes/" + id).status()).isEqualTo(204);
      page.waitForSelector("#sandboxes tr[data-id=" + id + "]", new Page.WaitForSelectorOptions().setState(WaitForSelectorState.DETACHED));
      assertThat(page.evaluate("() => window.__sameDocument === true")).as("no reload happened").isEqualTo(true);
    }
  }

  @Test
  void theTerminalRunsACommandAndShowsItsOutput() {
    String id = f.warren.createSandbox("{}");
    try (BrowserContext ctx = f.context()) {
      Page page = f.loggedIn(ctx);
      page.navigate(f.url("/#/sandboxes/" + id + "/terminal"));
      page.waitForSelector("#terminal-status[data-state=open]");
      page.click("#terminal");
      page.keyboard().type("echo warren-$((6*7))");
      page.keyboard().press("Enter");
      Locator rows = page.locator("#terminal .xterm-rows");
      page.waitForCondition(() -> rows.innerText().contains("warren-42"), new Page.WaitForConditionOptions().setTimeout(20_000));
      assertThat(rows.innerText()).contains("echo warren-$((6*7))");
      screenshot(page, "terminal");
    } finally {
      f.warren.delete("/v1/sandboxes/" + id);
    }
  }

  @Test
  void underscoresAreDrawnInTheTerminal() throws Exception {
    String id = f.warren.createSandbox("{}");
    try (BrowserContext ctx = f.context()) {
      Page page = f.loggedIn(ctx);
      page.navigate(f.url("/#/sandboxes/" + id + "/terminal"));
      page.waitForSelector("#terminal-status[data-state=open]");
      page.click("#terminal");
      // printf prints the underscores alone on their row (the echo of the command line has other text)
      page.keyboard().type("printf '%s\\n' ________________________________");
      page.keyboard().press("Enter");
      Locator row = page.locator("#terminal .xterm-rows > div", new Page.LocatorOptions().setHasText(java.util.regex.Pattern.compile("^_{32}\\s*$")));
      row.waitFor(new Locator.WaitForOptions().setTimeout(20_000));
      java.awt.image.BufferedImage png = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(row.screenshot()));
      int lit = 0;
      for (int y = 0; y < png.getHeight(); y++) {
        for (int x = 0; x < png.getWidth(); x++) {
          int rgb = png.getRGB(x, y);
          if (((rgb >> 16) & 0xff) + ((rgb >> 8) & 0xff) + (rgb & 0xff) > 3 * 128) {
            lit++;
          }
        }
      }
      // 32 underscores of a 14 px font are a line some 270 px long: hundreds of light pixels; clipped, none
      assertThat(lit).as("light pixels in the row of underscores").isGreaterThan(200);
    } finally {
      f.warren.delete("/v1/sandboxes/" + id);
    }
  }

  @Test
  void aBrowsersSandboxIsMarkedAndHasNoStopOrDeleteButtons() {
    String id = f.warren.createSandbox("{\"labels\":{\"warren.browser\":\"brw_00000000000000000000000000\"}}");
    try (BrowserContext ctx = f.context()) {
      Page page = f.loggedIn(ctx);
      Locator row = page.locator("#sandboxes tr[data-id=" + id + "]");
      row.waitFor(new Locator.WaitForOptions().setTimeout(10_000));
      assertThat(row.locator(".chip").allTextContents()).contains("browser");
      assertThat(row.locator("button").count()).as("no stop/start/restart/delete buttons").isZero();
      assertThat(row.locator("[data-owner]").textContent()).contains("managed by brw_00000000000000000000000000");
    } finally {
      f.warren.delete("/v1/sandboxes/" + id);
    }
  }

  @Test
  void aJobsOutputShowsInTheSessionPageWhileItRuns() {
    String id = f.warren.createSandbox("{}");
    try (BrowserContext ctx = f.context()) {
      Page page = f.loggedIn(ctx);
      page.navigate(f.url("/#/sandboxes/" + id + "/sessions"));
      page.click("#new-session");
      page.waitForURL("**/sessions/ses_*");
      page.fill("#run-command textarea", "for i in 1 2 3; do echo tick-$i; sleep 0.7; done; echo oops >&2; exit 3");
      page.click("#run-command button[type=submit]");
      page.waitForURL("**/commands/cmd_*");
      String cid = page.url().substring(page.url().lastIndexOf('/') + 1);
      // followed live: the first tick shows while the job still runs
      page.waitForCondition(() -> page.locator("#job-stdout").textContent().contains("tick-1"));
      JsonNode running = f.warren.get("/v1/sandboxes/" + id + "/sessions/" + page.url().split("/sessions/")[1].split("/")[0]
          + "/commands/" + cid + "?output=false").json();
      assertThat(running.path("state").asString()).isIn("queued", "running");
      page.waitForCondition(() -> page.locator("#job-stdout").textContent().contains("tick-3")
          && page.locator("#job-stderr").textContent().contains("oops"), new Page.WaitForConditionOptions().setTimeout(20_000));
      page.waitForSelector(".job-status .exit:has-text('exit 3')");
      Locator job = page.locator("#jobs tr[data-id=" + cid + "]");
      page.waitForSelector("#jobs tr[data-id=" + cid + "][data-state=finished]");
      assertThat(job.locator("td.exit").textContent()).isEqualTo("3");
      assertThat(page.locator("#job-stdout").textContent()).isEqualTo("tick-1\ntick-2\ntick-3\n");
      // a finished job opened later reads its output whole
      page.reload();
      // (stdout and stderr are read by two requests: wait for both)
      page.waitForCondition(() -> page.locator("#job-stdout").textContent().equals("tick-1\ntick-2\ntick-3\n")
          && !page.locator("#job-stderr").textContent().isEmpty());
      assertThat(page.locator("#job-stderr").textContent()).isEqualTo("oops\n");
      screenshot(page, "job");
    } finally {
      f.warren.delete("/v1/sandboxes/" + id);
    }
  }

  @Test
  void theEventsPageShowsASandboxesLifeCycle() {
    String id = f.warren.createSandbox("{}");
    try (BrowserContext ctx = f.context()) {
      Page page = f.loggedIn(ctx);
      page.navigate(f.url("/#/events"));
      page.fill("input[name=subject]", id);
      Locator rows = page.locator("#events tbody tr");
      page.waitForCondition(() -> rows.allTextContents().stream().anyMatch(t -> t.contains("sandbox.created"))
          && rows.allTextContents().stream().allMatch(t -> t.contains(id)));
      assertThat(f.warren.delete("/v1/sandboxes/" + id).status()).isEqualTo(204);
      page.waitForSelector("#events tr:has-text('sandbox.deleted')", new Page.WaitForSelectorOptions().setTimeout(10_000));
    } finally {
      f.warren.delete("/v1/sandboxes/" + id);
    }
  }

  @Test
  void theBrowsersPageListsASessionAndDeletesIt() {
    TestWarren.ensureImage("browser");
    TestWarren.Resp created = f.warren.post("/v1/browsers", "{\"key\":\"dashboard-test\"}");
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
    String id = created.json().path("id").asString();
    try (BrowserContext ctx = f.context()) {
      Page page = f.loggedIn(ctx);
      page.click("a[data-nav=browsers]");
      Locator row = page.locator("#browsers tr[data-id=" + id + "]");
      row.waitFor();
      assertThat(row.textContent()).contains("dashboard-test").contains("ready");
      row.locator("a").first().click();
      page.waitForURL("**/#/browsers/" + id);
      // an iframe of liveViewUrl when the server offers one, else a note saying there is none
      page.waitForSelector("#live-view, .live p");
      if (created.json().path("liveViewUrl").isString()) {
        assertThat(page.getAttribute("#live-view", "src")).contains("/live/");
      }
      page.click("button.danger");
      page.click("button.danger.armed");
      page.waitForURL("**/#/browsers");
      assertThat(f.warren.get("/v1/browsers/" + id).json().path("state").asString()).isIn("closing", "closed");
    } finally {
      f.warren.delete("/v1/browsers/" + id);
    }
  }

  @Test
  void aDesktopSandboxesVncViewerReceivesAFrame() {
    String body = "{\"image\":\"browser\",\"desktop\":{\"width\":1024,\"height\":768}}";
    TestWarren.Resp r = f.warren.post("/v1/sandboxes", body);
    if (r.status() == 422) {
      TestWarren.ensureImage("browser");
      r = f.warren.post("/v1/sandboxes", body);
    }
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    String id = r.json().path("id").asString();
    assertThat(r.json().path("desktop").isObject()).as("the sandbox says it has a desktop: %s", r).isTrue();
    try (BrowserContext ctx = f.context()) {
      Page page = f.loggedIn(ctx);
      page.navigate(f.url("/#/sandboxes/" + id + "/desktop"));
      page.waitForSelector("#desktop-status[data-state=open]", new Page.WaitForSelectorOptions().setTimeout(60_000));
      // the canvas starts transparent; noVNC paints a framebuffer update opaque
      page.waitForCondition(() -> Boolean.TRUE.equals(page.evaluate("""
          () => {
            const c = document.querySelector('#desktop canvas');
            if (!c || !c.width || !c.height) return false;
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            for (let i = 3; i < d.length; i += 4 * 61) if (d[i] === 255) return true;
            return false;
          }""")), new Page.WaitForConditionOptions().setTimeout(30_000));
      assertThat(page.evaluate("() => document.querySelector('#desktop canvas').width")).isEqualTo(1024);
      screenshot(page, "desktop");
    } finally {
      f.warren.delete("/v1/sandboxes/" + id);
    }
  }

  static void screenshot(Page page, String name) {
    page.screenshot(new Page.ScreenshotOptions().setPath(Path.of("target", "dashboard-" + name + ".png")));
  }
}
