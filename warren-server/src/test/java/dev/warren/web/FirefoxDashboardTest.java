package dev.warren.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.warren.stream.LiveSite;
import dev.warren.testing.TestWarren;
import java.awt.image.BufferedImage;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * The dashboard in the system's headless Firefox ESR (WebDriver BiDi, {@link Firefox}) against a
 * real Warren: the counterpart of the Chromium {@link DashboardTest}, so the dashboard is known to
 * work in both. Login, the sandboxes list and form, the terminal, a job's output, the events page,
 * a desktop's VNC viewer, and a browser session's live view with input that reaches the page.
 */
class FirefoxDashboardTest {
  @RegisterExtension
  static final FirefoxFixture f = new FirefoxFixture(TestWarren.start());

  @AfterAll
  static void stop() {
    f.close();
  }

  @Test
  void aBrowserIsSentToTheLoginPageAndInWithTheToken() {
    try (FirefoxTab tab = f.tab()) {
      tab.navigate(f.url("/"));
      // the 401 page sends the browser on to /login
      tab.waitFor("the login page", "location.pathname === '/login' && document.querySelector('#token')");
      assertThat(status(tab, "GET", f.url("/"))).isEqualTo(401);
      tab.fill("#token", "wrn_not-the-token");
      tab.click("button[type=submit]");
      tab.waitFor("the error", "document.querySelector('.error') && document.querySelector('.error').textContent.trim() !== ''");
      assertThat(tab.text("document.querySelector('.error').textContent")).contains("not the API token");
      tab.fill("#token", f.warren.token());
      tab.click("button[type=submit]");
      tab.waitForSelector("#sandboxes");
      JsonNode cookies = tab.cookies();
      assertThat(cookies.size()).as("cookies: %s", cookies).isEqualTo(1);
      assertThat(cookies.get(0).path("httpOnly").asBoolean()).isTrue();
      assertThat(cookies.get(0).path("value").path("value").asString()).isNotEmpty().isNotEqualTo(f.warren.token());
      tab.click("form.logout button");
      tab.waitFor("the login page after logging out", "location.pathname === '/login'");
      f.firefox.drainEvents("network.");
      tab.navigate(f.url("/"));
      assertThat(status(tab, "GET", f.url("/"))).isEqualTo(401);
    }
  }

  @Test
  void theFormCreatesASandboxAndTheListShowsItWithoutAReload() {
    String existing = f.warren.createSandbox("{\"labels\":{\"made-by\":\"api-before\"}}");
    try (FirefoxTab tab = f.loggedIn()) {
      tab.waitForSelector("#sandboxes tr[data-id=" + existing + "][data-state=running]");
      tab.eval("window.__sameDocument = true");
      // a bad value comes back as the problem's detail, naming the field
      tab.fill("#create-sandbox [name=memoryMb]", "1");
      tab.click("#create-sandbox button[type=submit]");
      tab.waitForSelector("#errors .error-item");
      assertThat(tab.text("document.querySelector('#errors .error-item').textContent")).contains("Invalid input").contains("limits.memoryMb");
      assertThat(tab.text("document.querySelector('#create-sandbox [name=memoryMb]').className")).contains("invalid");

      tab.fill("#create-sandbox [name=image]", "base");
      tab.fill("#create-sandbox [name=memoryMb]", "256");
      tab.fill("#create-sandbox [name=cpus]", "0.5");
      tab.fill("#create-sandbox [name=pids]", "200");
      tab.fill("#create-sandbox [name=idleTimeoutSeconds]", "600");
      tab.fill("#create-sandbox [name=labels]", "made-by=firefox-form, team=qa");
      tab.click("#create-sandbox button[type=submit]");

      String row = "[...document.querySelectorAll('#sandboxes tr[data-state=running]')].find(r => r.textContent.includes('made-by=firefox-form'))";
      tab.waitFor("the new sandbox's row, running", row);
      var found = f.warren.get("/v1/sandboxes?label=made-by=firefox-form");
      assertThat(found.json().path("sandboxes").size()).isEqualTo(1);
      JsonNode s = found.json().path("sandboxes").get(0);
      assertThat(s.path("limits").path("memoryMb").asInt()).isEqualTo(256);
      assertThat(s.path("limits").path("cpus").asDouble()).isEqualTo(0.5);
      assertThat(s.path("limits").path("pids").asInt()).isEqualTo(200);
      assertThat(s.path("idleTimeoutSeconds").asLong()).isEqualTo(600);
      assertThat(s.path("labels").path("team").asString()).isEqualTo("qa");
      assertThat(tab.text(row + ".dataset.id")).isEqualTo(s.path("id").asString());
      assertThat(tab.text(row + ".textContent")).contains("base").contains("256 MiB").contains("0.5 CPU").contains("200 pids");
      assertThat(tab.eval("document.querySelectorAll('#sandboxes tr[data-id=" + existing + "]').length").asInt()).isEqualTo(1);
      assertThat(tab.eval("window.__sameDocument === true").asBoolean()).as("no reload happened").isTrue();
      tab.saveScreenshot("sandboxes");
      f.warren.delete("/v1/sandboxes/" + s.path("id").asString());
    } finally {
      f.warren.delete("/v1/sandboxes/" + existing);
    }
  }

  @Test
  void theListFollowsChangesMadeElsewhereWithoutAReload() {
    try (FirefoxTab tab = f.loggedIn()) {
      tab.eval("window.__sameDocument = true");
      String id = f.warren.createSandbox("{\"labels\":{\"made-by\":\"api\"}}");
      String row = "#sandboxes tr[data-id=" + id + "]";
      tab.waitFor("the sandbox made elsewhere, running", "document.querySelector('" + row + "[data-state=running]')", Duration.ofSeconds(10));
      assertThat(f.warren.post("/v1/sandboxes/" + id + "/stop", null).status()).isEqualTo(200);
      tab.waitFor("the sandbox, stopped", "document.querySelector('" + row + "[data-state=stopped]')", Duration.ofSeconds(10));
      // the page's own buttons act too: start it again
      tab.click(row + " button[data-action=start]");
      tab.waitFor("the sandbox, running again", "document.querySelector('" + row + "[data-state=running]')", Duration.ofSeconds(30));
      assertThat(f.warren.get("/v1/sandboxes/" + id).json().path("state").asString()).isEqualTo("running");
      assertThat(f.warren.delete("/v1/sandboxes/" + id).status()).isEqualTo(204);
      tab.waitFor("the row gone", "!document.querySelector('" + row + "')", Duration.ofSeconds(10));
      assertThat(tab.eval("window.__sameDocument === true").asBoolean()).as("no reload happened").isTrue();
    }
  }

  @Test
  void theTerminalRunsACommandAndShowsItsOutput() {
    String id = f.warren.createSandbox("{}");
    try (FirefoxTab tab = f.loggedIn()) {
      tab.navigate(f.url("/#/sandboxes/" + id + "/terminal"));
      tab.waitFor("the terminal connected", "document.querySelector('#terminal-status[data-state=open]')");
      tab.click("#terminal");
      tab.type("echo warren-$((6*7))" + FirefoxTab.ENTER);
      String rows = "document.querySelector('#terminal .xterm-rows').innerText";
      tab.waitFor("the command's output in the terminal", rows + ".includes('warren-42')");
      assertThat(tab.text(rows)).contains("echo warren-$((6*7))");
      // xterm's own element fits in the page's box: it has class 'terminal' too, and once took the box's
      // height and padding as well, overflowing it by 8 px
      JsonNode fits = tab.eval("(() => { const o = document.querySelector('#terminal').getBoundingClientRect();"
          + " const i = document.querySelector('#terminal .xterm').getBoundingClientRect();"
          + " return {outer: [o.left, o.top, o.right, o.bottom], inner: [i.left, i.top, i.right, i.bottom]}; })()");
      assertThat(fits.path("inner").get(2).asDouble()).as("xterm's right edge inside the box: %s", fits).isLessThanOrEqualTo(fits.path("outer").get(2).asDouble());
      assertThat(fits.path("inner").get(3).asDouble()).as("xterm's bottom edge inside the box: %s", fits).isLessThanOrEqualTo(fits.path("outer").get(3).asDouble());
      // and so no light strip at the right edge: with that extra padding, Firefox showed 4 px of the native
      // scrollbar that xterm's viewport asks for (overflow-y: scroll) beside xterm's own scrollbar
      int[] light = lightPixelInRightEdge(tab, "#terminal", 16);
      assertThat(light).as("a light pixel (x, y, rgb) in the terminal's right 16 px").isNull();
      tab.saveScreenshot("terminal");
    } finally {
      f.warren.delete("/v1/sandboxes/" + id);
    }
  }

  @Test
  void aJobsOutputShowsInTheSessionPageWhileItRuns() {
    String id = f.warren.createSandbox("{}");
    try (FirefoxTab tab = f.loggedIn()) {
      tab.navigate(f.url("/#/sandboxes/" + id + "/sessions"));
      tab.waitForSelector(".sandbox-head h1");
      tab.click("#new-session");
      tab.waitFor("the new session's page", "/\\/sessions\\/ses_[\\w-]+$/.test(location.hash)");
      tab.fill("#run-command textarea", "for i in 1 2 3; do echo tick-$i; sleep 0.7; done; echo oops >&2; exit 3");
      tab.click("#run-command button[type=submit]");
      tab.waitFor("the job's page", "/\\/commands\\/cmd_[\\w-]+$/.test(location.hash)");
      String hash = tab.text("location.hash");
      String sid = hash.split("/sessions/")[1].split("/")[0];
      String cid = hash.substring(hash.lastIndexOf('/') + 1);
      // followed live: the first tick shows while the job still runs
      tab.waitFor("tick-1", "document.querySelector('#job-stdout').textContent.includes('tick-1')");
      JsonNode running = f.warren.get("/v1/sandboxes/" + id + "/sessions/" + sid + "/commands/" + cid + "?output=false").json();
      assertThat(running.path("state").asString()).isIn("queued", "running");
      tab.waitFor("tick-3 and oops", "document.querySelector('#job-stdout').textContent.includes('tick-3')"
          + " && document.querySelector('#job-stderr').textContent.includes('oops')");
      tab.waitFor("exit 3", "[...document.querySelectorAll('.job-status .exit')].some(e => e.textContent.includes('exit 3'))");
      tab.waitForSelector("#jobs tr[data-id=" + cid + "][data-state=finished]");
      assertThat(tab.text("document.querySelector('#jobs tr[data-id=" + cid + "] td.exit').textContent")).isEqualTo("3");
      assertThat(tab.text("document.querySelector('#job-stdout').textContent")).isEqualTo("tick-1\ntick-2\ntick-3\n");
      tab.saveScreenshot("job");
    } finally {
      f.warren.delete("/v1/sandboxes/" + id);
    }
  }

  @Test
  void theEventsPageShowsNewEventsWithoutAReload() {
    try (FirefoxTab tab = f.loggedIn()) {
      tab.navigate(f.url("/#/events"));
      tab.waitForSelector("#events tbody tr");
      tab.eval("window.__sameDocument = true");
      String id = f.warren.createSandbox("{}");
      try {
        tab.fill("input[name=subject]", id);
        String rows = "[...document.querySelectorAll('#events tbody tr')].map(r => r.textContent)";
        tab.waitFor("sandbox.created for " + id + ", and only its events", rows + ".some(t => t.includes('sandbox.created'))"
            + " && " + rows + ".every(t => t.includes('" + id + "'))", Duration.ofSeconds(10));
        assertThat(f.warren.delete("/v1/sandboxes/" + id).status()).isEqualTo(204);
        tab.waitFor("sandbox.deleted", rows + ".some(t => t.includes('sandbox.deleted'))", Duration.ofSeconds(10));
        assertThat(tab.eval("window.__sameDocument === true").asBoolean()).as("no reload happened").isTrue();
      } finally {
        f.warren.delete("/v1/sandboxes/" + id);
      }
    }
  }

  @Test
  void aDesktopSandboxesVncViewerReceivesAFrame() {
    TestWarren.ensureImage("browser");
    TestWarren.Resp r = f.warren.post("/v1/sandboxes", "{\"image\":\"browser\",\"desktop\":{\"width\":1024,\"height\":768}}");
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    String id = r.json().path("id").asString();
    try (FirefoxTab tab = f.loggedIn()) {
      tab.navigate(f.url("/#/sandboxes/" + id + "/desktop"));
      tab.waitFor("the desktop connected", "document.querySelector('#desktop-status[data-state=open]')", Duration.ofSeconds(60));
      // the canvas starts transparent; noVNC paints a framebuffer update opaque
      tab.waitFor("an opaque pixel on the VNC canvas", """
          (() => {
            const c = document.querySelector('#desktop canvas');
            if (!c || !c.width || !c.height) return false;
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            for (let i = 3; i < d.length; i += 4 * 61) if (d[i] === 255) return true;
            return false;
          })()""", Duration.ofSeconds(30));
      assertThat(tab.eval("document.querySelector('#desktop canvas').width").asInt()).isEqualTo(1024);
      tab.saveScreenshot("desktop");
    } finally {
      f.warren.delete("/v1/sandboxes/" + id);
    }
  }

  @Test
  void aBrowserSessionsLiveViewShowsItsPageAndAClickInTheViewerReachesThePage() throws Exception {
    TestWarren.ensureImage("browser");
    try (LiveSite site = new LiveSite()) {
      var created = f.warren.post("/v1/browsers", TestWarren.json(Map.of("key", "firefox-live", "egress", Map.of("allow", List.of(site.allow())))));
      assertThat(created.status()).as(created.toString()).isEqualTo(201);
      String id = created.json().path("id").asString();
      assertThat(created.json().path("liveControlUrl").isString()).as("the session offers a live view: %s", created).isTrue();
      try (FirefoxTab tab = f.loggedIn()) {
        var nav = f.warren.post("/v1/browsers/" + id + "/actions/navigate", TestWarren.json(Map.of("url", site.url("/"))));
        assertThat(nav.status()).as(nav.toString()).isEqualTo(200);
        tab.navigate(f.url("/#/browsers/" + id));
        tab.waitFor("the live view's first frame", "(() => { const f = document.getElementById('live-view');"
            + " const l = f && f.contentWindow && f.contentWindow.warrenLive; return l && l.frames > 0; })()", Duration.ofSeconds(30));
        assertThat(tab.text("document.getElementById('live-view').getAttribute('src')")).contains("/live/");
        await().atMost(Duration.ofSeconds(10)).until(() -> near(livePixel(tab, 700, 500), 220, 20, 20));
        int[] button = livePixel(tab, LiveSite.BUTTON_X + 20, LiveSite.BUTTON_Y + 20);
        assertThat(near(button, 20, 200, 20)).as("the green button, got %s", Arrays.toString(button)).isTrue();
        tab.saveScreenshot("live-view");

        String live = "document.getElementById('live-view').contentWindow.warrenLive";
        FirefoxTab.Box take = inFrame(tab, "#take");
        tab.clickAt(take.centerX(), take.centerY());
        tab.waitFor("this viewer holding control", live + ".holder === " + live + ".viewer", Duration.ofSeconds(10));
        double[] go = livePoint(tab, LiveSite.BUTTON_X + 150, LiveSite.BUTTON_Y + 100);
        tab.clickAt(go[0], go[1]);
        await().atMost(Duration.ofSeconds(10)).until(() -> remote(id, "document.title").equals("clicked"));
        // and the change shows in the live view
        await().atMost(Duration.ofSeconds(10)).until(() -> near(livePixel(tab, 700, 500), 20, 20, 220));
        // keys typed into the viewer, text pasted, and the wheel
        double[] input = livePoint(tab, LiveSite.INPUT_X + 150, LiveSite.INPUT_Y + 20);
        tab.clickAt(input[0], input[1]);
        tab.type("Warren 42x" + FirefoxTab.BACKSPACE);
        await().atMost(Duration.ofSeconds(10)).until(() -> remote(id, "document.getElementById('name').value").equals("Warren 42"));
        // a real paste: text copied with Ctrl+C elsewhere on the page, Ctrl+V in the viewer (a script-made
        // ClipboardEvent, as the Chromium test uses, carries no data in Firefox)
        tab.eval("(() => { const i = document.createElement('input'); i.id = 'clip-source'; i.value = ' and pasted'; document.body.append(i); })()");
        tab.click("#clip-source");
        tab.eval("document.getElementById('clip-source').select()");
        tab.chord(FirefoxTab.CONTROL, "c");
        input = livePoint(tab, LiveSite.INPUT_X + 250, LiveSite.INPUT_Y + 20);
        tab.clickAt(input[0], input[1]);
        tab.chord(FirefoxTab.CONTROL, "v");
        await().atMost(Duration.ofSeconds(10)).until(() -> remote(id, "document.getElementById('name').value").equals("Warren 42 and pasted"));
        double[] middle = livePoint(tab, 700, 500);
        tab.wheel(middle[0], middle[1], 600);
        await().atMost(Duration.ofSeconds(10)).until(() -> !remote(id, "String(window.scrollY)").equals("0"));
      } finally {
        f.warren.delete("/v1/browsers/" + id);
      }
    }
  }

  /** The status Firefox saw for the latest request {@code method url} of this tab. */
  private static int status(FirefoxTab tab, String method, String url) {
    JsonNode e = f.firefox.awaitEvent("network.responseCompleted", p -> p.path("context").asString().equals(tab.context)
        && p.path("request").path("method").asString().equals(method) && p.path("request").path("url").asString().equals(url),
        Duration.ofSeconds(10));
    return e.path("response").path("status").asInt();
  }

  private static String remote(String browser, String expression) {
    var r = f.warren.post("/v1/browsers/" + browser + "/actions/evaluate", TestWarren.json(Map.of("expression", expression)));
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    return r.json().path("value").asString();
  }

  @Test
  void theLiveViewFollowsFourSandboxRestartsInARowWithoutAReload() {
    TestWarren.ensureImage("browser");
    var created = f.warren.post("/v1/browsers", TestWarren.json(Map.of("key", "firefox-restarts")));
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
    String id = created.json().path("id").asString();
    String sandbox = created.json().path("sandboxId").asString();
    String live = "document.getElementById('live-view').contentWindow.warrenLive";
    try (FirefoxTab tab = f.loggedIn()) {
      tab.navigate(f.url("/#/browsers/" + id));
      tab.waitFor("the live view's first frame", "(() => { const f = document.getElementById('live-view');"
          + " const l = f && f.contentWindow && f.contentWindow.warrenLive; return l && l.frames > 0; })()", Duration.ofSeconds(30));
      tab.eval("(() => { window.marker = 'same page'; document.getElementById('live-view').contentWindow.marker = 'same view'; return 1; })()");
      int connects = tab.eval(live + ".connects").asInt();
      for (int i = 1; i <= 4; i++) {
        int generation = tab.eval(live + ".generation").asInt();
        long t0 = System.nanoTime();
        var r = f.warren.post("/v1/sandboxes/" + sandbox + "/restart", "{}");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        tab.waitFor("generation " + (generation + 1) + " on screen", live + ".generation > " + generation + " && " + live
            + ".framesSinceHello > 0", Duration.ofSeconds(10));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("Firefox, restart %d: view back in %d ms%n", i, ms);
        assertThat(ms).as("restart %d: the view recovers within 5 s", i).isLessThanOrEqualTo(5000);
        JsonNode close = tab.eval(live + ".closes[" + live + ".closes.length - 1]");
        assertThat(close.path("code").asInt()).isEqualTo(4001);
        assertThat(close.path("reason").asString()).contains("generation " + generation + " -> " + (generation + 1));
      }
      assertThat(tab.text("window.marker")).isEqualTo("same page");
      assertThat(tab.text("document.getElementById('live-view').contentWindow.marker")).isEqualTo("same view");
      assertThat(tab.eval(live + ".connects").asInt()).isEqualTo(connects + 4);
      assertThat(tab.eval(live + ".ended").asBoolean()).isFalse();
    } finally {
      f.warren.delete("/v1/browsers/" + id);
    }
  }

  /** Where an element of the live view's page is, in the dashboard's viewport. */
  private static FirefoxTab.Box inFrame(FirefoxTab tab, String selector) {
    return FirefoxTab.Box.of(tab.eval("(() => { const f = document.getElementById('live-view'); const fr = f.getBoundingClientRect();"
        + " const r = f.contentDocument.querySelector(" + FirefoxTab.js(selector) + ").getBoundingClientRect();"
        + " return {x: fr.left + f.clientLeft + r.left, y: fr.top + f.clientTop + r.top, width: r.width, height: r.height}; })()"));
  }

  /** A point of the remote page (its CSS pixels) as a point of the dashboard's viewport, through the live view's canvas. */
  private static double[] livePoint(FirefoxTab tab, int x, int y) {
    JsonNode c = tab.eval("(() => { const f = document.getElementById('live-view'); f.scrollIntoView({block: 'nearest'});"
        + " const fr = f.getBoundingClientRect(); const c = f.contentDocument.getElementById('screen'); const r = c.getBoundingClientRect();"
        + " return {x: fr.left + f.clientLeft + r.left, y: fr.top + f.clientTop + r.top, width: r.width, height: r.height,"
        + " frameWidth: c.width, frameHeight: c.height}; })()");
    return new double[] {c.path("x").asDouble() + x * c.path("width").asDouble() / c.path("frameWidth").asDouble(),
        c.path("y").asDouble() + y * c.path("height").asDouble() / c.path("frameHeight").asDouble()};
  }

  /** The colour the live view shows for a point of the remote page, read from a screenshot of Firefox's viewport. */
  private static int[] livePixel(FirefoxTab tab, int x, int y) {
    double[] p = livePoint(tab, x, y);
    double viewportWidth = tab.eval("window.innerWidth").asDouble();
    BufferedImage img = tab.screenshot();
    double scale = img.getWidth() / viewportWidth;
    int rgb = img.getRGB((int) Math.round(p[0] * scale), (int) Math.round(p[1] * scale));
    return new int[] {(rgb >> 16) & 0xff, (rgb >> 8) & 0xff, rgb & 0xff};
  }

  /** The first pixel brighter than the terminal's background in the right {@code width} px of an element, or null. */
  private static int[] lightPixelInRightEdge(FirefoxTab tab, String selector, int width) {
    FirefoxTab.Box b = FirefoxTab.Box.of(tab.eval("(() => { const r = document.querySelector(" + FirefoxTab.js(selector) + ").getBoundingClientRect();"
        + " return {x: r.left, y: r.top, width: r.width, height: r.height}; })()"));
    BufferedImage img = tab.screenshot();
    double scale = img.getWidth() / tab.eval("window.innerWidth").asDouble();
    int bottom = (int) Math.min(img.getHeight() - 1, (b.y() + b.height() - 6) * scale);
    for (int y = (int) ((b.y() + 6) * scale); y < bottom; y += 2) {
      for (int x = (int) ((b.x() + b.width() - width) * scale); x < (int) ((b.x() + b.width() - 1) * scale); x++) {
        int rgb = img.getRGB(x, y);
        int r = (rgb >> 16) & 0xff;
        int g = (rgb >> 8) & 0xff;
        int bl = rgb & 0xff;
        if (Math.max(r, Math.max(g, bl)) > 90) {
          return new int[] {x, y, r, g, bl};
        }
      }
    }
    return null;
  }

  private static boolean near(int[] rgb, int r, int g, int b) {
    return Math.abs(rgb[0] - r) < 40 && Math.abs(rgb[1] - g) < 40 && Math.abs(rgb[2] - b) < 40;
  }
}
