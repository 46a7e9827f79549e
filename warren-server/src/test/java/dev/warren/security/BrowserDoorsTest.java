package dev.warren.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import dev.warren.browser.TestSite;
import dev.warren.testing.HostUser;
import dev.warren.testing.TestWarren;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The doors Warren opens inside browser and desktop sandboxes (Chromium's DevTools, x11vnc)
 * answer the controller alone: nothing in those sandboxes listens beyond its own loopback, no port
 * of their addresses answers an unprivileged host user, another sandbox of the same instance, or
 * a sandbox of a second Warren instance going through its own egress proxy with everything
 * allowed; Chromium runs as an unprivileged user without capabilities; and the controller still
 * drives all of it (CDP, actions, VNC, profiles, restart).
 */
class BrowserDoorsTest {
  /** The ports Warren's browsers and desktops used or use: DevTools, its old forwarder, VNC. */
  static final List<Integer> DOORS = List.of(9222, 9223, 5900);

  static TestWarren warren;
  static TestWarren other;
  static TestSite site;
  static String browser;
  static String browserSandbox;
  static String browserAddress;
  static String desktop;
  static String desktopAddress;
  static String neighbour;
  static String openNeighbour;
  static String stranger;

  @BeforeAll
  static void start() throws Exception {
    TestWarren.ensureImage("browser");
    warren = TestWarren.start();
    other = TestWarren.start();
    site = new TestSite();
    // headed: Chromium and the desktop (x11vnc) it draws on, in one sandbox
    var b = warren.post("/v1/browsers", TestWarren.json(Map.of("headless", false, "egress", Map.of("allow", List.of(site.allow())))));
    assertThat(b.status()).as(b.toString()).isEqualTo(201);
    browser = b.json().path("id").asString();
    browserSandbox = b.json().path("sandboxId").asString();
    browserAddress = warren.get("/v1/sandboxes/" + browserSandbox).json().path("address").asString();
    desktop = warren.createSandbox("{\"image\": \"browser\", \"desktop\": {\"width\": 800, \"height\": 600}}");
    desktopAddress = warren.get("/v1/sandboxes/" + desktop).json().path("address").asString();
    neighbour = warren.createSandbox("{}");
    openNeighbour = warren.createSandbox("{\"egress\": {\"allow\": [\"*\"]}}");
    stranger = other.createSandbox("{\"egress\": {\"allow\": [\"*\"]}}");
  }

  @AfterAll
  static void stop() {
    if (site != null) {
      site.close();
    }
    for (TestWarren w : new TestWarren[] {warren, other}) {
      if (w != null) {
        w.delete("/v1/browsers");
        w.close();
      }
    }
  }

  static JsonNode exec(TestWarren w, String id, String command) {
    var r = w.post("/v1/sandboxes/" + id + "/exec", TestWarren.json(Map.of("command", command, "timeoutSeconds", 120)));
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    return r.json();
  }

  static String stdout(TestWarren w, String id, String command) {
    return exec(w, id, command).path("stdout").asString();
  }

  /** The local addresses of the TCP sockets listening in the sandbox, e.g. {@code 127.0.0.1:9222}. */
  static List<String> listeners(String sandbox) {
    return stdout(warren, sandbox, "ss -Hltn").lines().map(l -> l.trim().split("\\s+")[3]).toList();
  }

  @Test
  void browserAndDesktopSandboxesListenOnTheirLoopbackAlone() {
    List<String> inBrowser = listeners(browserSandbox);
    assertThat(inBrowser).as("the browser's doors exist, on loopback").contains("127.0.0.1:9222", "127.0.0.1:5900");
    assertThat(inBrowser).allMatch(a -> a.startsWith("127.0.0.1:") || a.startsWith("[::1]:"), "on loopback");
    List<String> inDesktop = listeners(desktop);
    assertThat(inDesktop).contains("127.0.0.1:5900");
    assertThat(inDesktop).allMatch(a -> a.startsWith("127.0.0.1:") || a.startsWith("[::1]:"), "on loopback");
  }

  @Test
  void noPortOfABrowserOrDesktopSandboxAnswersAnUnprivilegedHostUser() {
    // the scan finds what does listen: the controller's API, as nobody sees it
    int api = warren.base().getPort();
    assertThat(HostUser.scan("127.0.0.1", api, api, Duration.ofMillis(500), Duration.ofSeconds(60))).containsExactly(api);
    for (String address : List.of(browserAddress, desktopAddress)) {
      for (int port : DOORS) {
        HostUser.Result curl = HostUser.run(List.of("curl", "-s", "-m", "3", "http://" + address + ":" + port + "/json/version"),
            Duration.ofSeconds(20));
        assertThat(curl.exitCode()).as("curl %s:%d as nobody: %s", address, port, curl).isIn(7, 28);
        assertThat(curl.stdout()).isEmpty();
      }
      assertThat(HostUser.scan(address, 1, 65535, Duration.ofMillis(300), Duration.ofMinutes(3))).as("open ports of %s", address).isEmpty();
    }
  }

  @Test
  void anotherSandboxOfTheSameInstanceReachesNeitherDevtoolsNorVnc() {
    for (String address : List.of(browserAddress, desktopAddress)) {
      for (int port : DOORS) {
        String url = "http://" + address + ":" + port + "/json/version";
        for (String sandbox : List.of(neighbour, openNeighbour)) {
          String direct = stdout(warren, sandbox, "curl -s --noproxy '*' -m 3 -w '\\n%{http_code}' " + url + "; true");
          assertThat(direct).as("direct %s from %s", url, sandbox).doesNotContain("webSocketDebuggerUrl").endsWith("000");
          assertNotThroughTheProxy(warren, sandbox, address, port);
        }
      }
    }
  }

  @Test
  void aSandboxOfAnotherInstanceReachesNeitherDevtoolsNorVncThroughItsProxy() {
    for (String address : List.of(browserAddress, desktopAddress)) {
      for (int port : DOORS) {
        assertNotThroughTheProxy(other, stranger, address, port);
      }
    }
  }

  /** Neither a proxied GET nor a CONNECT tunnel through the sandbox's egress proxy gets to {@code address:port}. */
  static void assertNotThroughTheProxy(TestWarren w, String sandbox, String address, int port) {
    String url = "http://" + address + ":" + port + "/json/version";
    String get = stdout(w, sandbox, "curl -s -x \"$HTTP_PROXY\" -m 5 -w '\\n%{http_code}' " + url + "; true");
    assertThat(get).as("GET %s through the proxy of %s", url, sandbox).doesNotContain("webSocketDebuggerUrl").doesNotContain("RFB")
        .doesNotEndWith("200");
    String tunnel = stdout(w, sandbox, "curl -s -p -x \"$HTTP_PROXY\" -m 5 -o /dev/null -w '%{http_connect}' " + url + "; true");
    assertThat(tunnel).as("CONNECT %s:%d through the proxy of %s", address, port, sandbox).isNotEqualTo("200");
  }

  @Test
  void previewDoorsNeverOpenWarrensOwnListeners() {
    // a token holder drives the browser anyway; a public preview URL of DevTools would hand it to whoever holds the link
    var devtools = warren.get("/v1/sandboxes/" + browserSandbox + "/ports/9222/json/version");
    assertThat(devtools.status()).as(devtools.toString()).isEqualTo(403);
    assertThat(devtools.json().path("detail").asString()).contains("DevTools").contains("/v1/browsers/");
    var minted = warren.post("/v1/sandboxes/" + browserSandbox + "/ports/9222/url", "{\"access\": \"public\"}");
    assertThat(minted.status()).as(minted.toString()).isEqualTo(403);
    var browserVnc = warren.get("/v1/sandboxes/" + browserSandbox + "/ports/5900/");
    assertThat(browserVnc.status()).as(browserVnc.toString()).isEqualTo(403);
    var desktopVnc = warren.post("/v1/sandboxes/" + desktop + "/ports/5900/url", "{}");
    assertThat(desktopVnc.status()).as(desktopVnc.toString()).isEqualTo(403);
    assertThat(desktopVnc.json().path("detail").asString()).contains("VNC");
  }

  @Test
  void chromiumRunsAsAnUnprivilegedUserWithoutCapabilities() {
    String status = stdout(warren, browserSandbox, "for p in /proc/[0-9]*; do a=$(tr '\\0' ' ' < $p/cmdline 2>/dev/null); case \"$a\" in "
        + "/usr/lib/chromium/chromium*) grep -hE '^(Pid|Uid|Gid|Groups|CapEff|CapPrm|NoNewPrivs):' $p/status; echo \"Args: $a\"; echo --;; "
        + "esac; done");
    List<String> processes = List.of(status.split("--\n"));
    assertThat(processes).as(status).hasSizeGreaterThan(2);
    String uid = null;
    String main = null;
    for (String p : processes) {
      Map<String, String> f = new java.util.HashMap<>();
      p.lines().forEach(l -> f.put(l.substring(0, l.indexOf(':')), l.substring(l.indexOf(':') + 1).trim()));
      String[] uids = f.get("Uid").split("\\s+");
      assertThat(uids).as(p).doesNotContain("0").containsOnly(uids[0]);
      assertThat(f.get("Gid").split("\\s+")).as(p).doesNotContain("0");
      assertThat(f.get("Groups")).as(p).isEmpty();
      assertThat(f.get("CapEff")).as(p).isEqualTo("0000000000000000");
      assertThat(f.get("CapPrm")).as(p).isEqualTo("0000000000000000");
      assertThat(f.get("NoNewPrivs")).as(p).isEqualTo("1");
      assertThat(uid == null || uid.equals(uids[0])).as("one uid for all: %s", status).isTrue();
      uid = uids[0];
      if (!f.get("Args").contains("--type=")) {
        main = f.get("Pid");
      }
    }
    assertThat(main).as("the browser process in %s", status).isNotNull();
    // its home and its profile are its own, and nothing in them belongs to anyone else
    String where = stdout(warren, browserSandbox, "setpriv --reuid=" + uid + " --regid=" + uid + " --clear-groups -- "
        + "sh -c 'tr \"\\0\" \"\\n\" < /proc/" + main + "/environ' | sed -n 's/^HOME=//p'; "
        + "tr '\\0' '\\n' < /proc/" + main + "/cmdline | sed -n 's/^--user-data-dir=//p'");
    List<String> dirs = where.lines().toList();
    assertThat(dirs).as(where).hasSize(2);
    for (String dir : dirs) {
      assertThat(stdout(warren, browserSandbox, "stat -c %u " + dir).strip()).as(dir).isEqualTo(uid);
      assertThat(stdout(warren, browserSandbox, "find " + dir + " ! -user " + uid + " | head")).as(dir).isEmpty();
    }
  }

  @Test
  void theControllerStillDrivesTheBrowserItsDesktopAndItsProfile() throws Exception {
    assertThat(warren.get("/v1/browsers/" + browser + "/json/version").json().path("webSocketDebuggerUrl").asString())
        .contains("/v1/browsers/" + browser + "/cdp");
    String cdpUrl = warren.get("/v1/browsers/" + browser).json().path("cdpUrl").asString();
    try (Playwright playwright = Playwright.create(new Playwright.CreateOptions().setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
        Browser cdp = playwright.chromium().connectOverCDP(cdpUrl, new BrowserType.ConnectOverCDPOptions().setTimeout(30_000))) {
      Page page = cdp.contexts().getFirst().newPage();
      page.navigate(site.url("/"));
      assertThat(page.title()).isEqualTo("Warren test page");
      page.close();
    }
    var shot = warren.post("/v1/browsers/" + browser + "/actions/screenshot", "{}");
    assertThat(shot.body()).startsWith(0x89, 'P', 'N', 'G');
    for (String sandbox : List.of(browserSandbox, desktop)) {
      assertThat(vncGreeting(sandbox)).as("VNC of %s through the controller", sandbox).startsWith("RFB 003.");
    }
    var restarted = warren.post("/v1/browsers/" + browser + "/restart", "{}");
    assertThat(restarted.status()).as(restarted.toString()).isEqualTo(200);
    assertThat(warren.get("/v1/browsers/" + browser + "/json/version").status()).isEqualTo(200);
    assertThat(warren.post("/v1/browsers/" + browser + "/actions/evaluate", "{\"expression\": \"1 + 1\"}").json().path("value").asInt())
        .isEqualTo(2);
  }

  @Test
  void aProfileIsSavedAndRestoredOwnedByTheBrowserUser() {
    String first = createBrowser(Map.of("profile", "doors", "egress", Map.of("allow", List.of(site.allow()))));
    assertThat(navigate(first, "/login").path("title").asString()).isEqualTo("Logged in");
    assertThat(warren.delete("/v1/browsers/" + first).status()).isEqualTo(204);
    String next = createBrowser(Map.of("profile", "doors", "egress", Map.of("allow", List.of(site.allow()))));
    assertThat(navigate(next, "/whoami").path("title").asString()).isEqualTo("Who");
    JsonNode text = warren.post("/v1/browsers/" + next + "/actions/content", "{\"format\": \"text\"}").json();
    assertThat(text.path("content").asString()).contains("session=agent-logged-in");
    String sandbox = warren.get("/v1/browsers/" + next).json().path("sandboxId").asString();
    assertThat(stdout(warren, sandbox, "find /var/lib/warren/browser/profile -user 0 | head")).isEmpty();
    assertThat(stdout(warren, sandbox, "stat -c %u /var/lib/warren/browser/profile").strip()).isNotEqualTo("0");
    assertThat(warren.delete("/v1/browsers/" + next).status()).isEqualTo(204);
  }

  static String createBrowser(Map<String, Object> body) {
    var r = warren.post("/v1/browsers", TestWarren.json(body));
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    return r.json().path("id").asString();
  }

  static JsonNode navigate(String id, String path) {
    var r = warren.post("/v1/browsers/" + id + "/actions/navigate", TestWarren.json(Map.of("url", site.url(path))));
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    return r.json();
  }

  @Test
  void doorsAnOlderWarrenLeftOpenAreClosedWhenTheControllerStarts() throws Exception {
    // what an older Warren ran: a DevTools forwarder and x11vnc on the sandbox's address
    exec(warren, browserSandbox, "setsid -f socat TCP-LISTEN:9223,bind=" + browserAddress + ",reuseaddr,fork TCP:127.0.0.1:9222");
    exec(warren, desktop, "pkill -x x11vnc; sleep 0.5; setsid -f x11vnc -display :99 -rfbport 5900 -listen " + desktopAddress
        + " -noipv6 -forever -shared -nopw -quiet -bg -o /dev/null >/dev/null 2>&1");
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      assertThat(openToNobody(browserAddress, 9223)).as("the old forwarder answers").isTrue();
      assertThat(openToNobody(desktopAddress, 5900)).as("the old x11vnc answers").isTrue();
    });
    warren.restart();
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      assertThat(openToNobody(browserAddress, 9223)).isFalse();
      assertThat(openToNobody(desktopAddress, 5900)).isFalse();
    });
    assertThat(vncGreeting(desktop)).startsWith("RFB 003.");
    assertThat(listeners(desktop)).allMatch(a -> a.startsWith("127.0.0.1:") || a.startsWith("[::1]:"), "on loopback");
    assertThat(warren.get("/v1/browsers/" + browser + "/json/version").status()).isEqualTo(200);
  }

  /** Whether {@code address:port} accepts a connection from an unprivileged host user. */
  static boolean openToNobody(String address, int port) {
    return !HostUser.scan(address, port, port, Duration.ofMillis(500), Duration.ofSeconds(60)).isEmpty();
  }

  /** The first bytes x11vnc sends to a viewer of the sandbox's desktop through the controller's VNC proxy. */
  static String vncGreeting(String sandbox) throws Exception {
    CompletableFuture<String> greeting = new CompletableFuture<>();
    URI uri = URI.create("ws://" + warren.base().getAuthority() + "/v1/sandboxes/" + sandbox + "/vnc?token=" + warren.token());
    WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(uri, new WebSocket.Listener() {
      final List<Byte> got = new ArrayList<>();

      @Override
      public CompletionStage<?> onBinary(WebSocket w, ByteBuffer data, boolean last) {
        while (data.hasRemaining()) {
          got.add(data.get());
        }
        if (got.size() >= 12) {
          byte[] b = new byte[12];
          for (int i = 0; i < 12; i++) {
            b[i] = got.get(i);
          }
          greeting.complete(new String(b, StandardCharsets.US_ASCII));
        }
        w.request(1);
        return null;
      }

      @Override
      public CompletionStage<?> onClose(WebSocket w, int code, String reason) {
        greeting.completeExceptionally(new AssertionError("closed " + code + " " + reason));
        return null;
      }
    }).get(20, TimeUnit.SECONDS);
    try {
      return greeting.get(20, TimeUnit.SECONDS);
    } finally {
      ws.abort();
    }
  }
}
