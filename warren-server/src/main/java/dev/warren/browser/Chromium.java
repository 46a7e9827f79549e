package dev.warren.browser;

import dev.warren.runtime.ExecSpec;
import dev.warren.runtime.SandboxRuntime;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Starts, probes and stops Chromium inside a browser sandbox. Chromium's DevTools listens on
 * 127.0.0.1:9222 in the sandbox whatever it is told; socat forwards the sandbox's own address,
 * port 9223, to it, which the controller (on the bridge) reaches and nothing else can.
 */
final class Chromium {
  static final int DEVTOOLS_PORT = 9223;
  static final String PROFILE_DIR = "/var/lib/warren/browser/profile";

  private final SandboxRuntime runtime;

  Chromium(SandboxRuntime runtime) {
    this.runtime = runtime;
  }

  /** The pids (inside the sandbox) of what a start launched. */
  record Launched(long chromiumPid, long forwarderPid, Optional<Long> displayPid) {}

  /**
   * Chromium draws a page inside a window with room for browser UI, even headless: the page is
   * smaller than {@code --window-size} by this much (measured once per mode, then asked for up
   * front), so that the page itself is the viewport the caller asked for. Index 0 headless, 1 headed.
   */
  private final int[][] decorations = new int[2][];

  static List<String> arguments(BrowserSpec spec, String proxy) {
    return arguments(spec, proxy, 0, 0);
  }

  static List<String> arguments(BrowserSpec spec, String proxy, int extraWidth, int extraHeight) {
    List<String> a = new ArrayList<>(List.of("/usr/bin/chromium"));
    if (spec.headless()) {
      a.add("--headless=new");
      // the default headless screen is 800x600, and a window restored from the profile is clamped to it
      a.add("--screen-info={0,0 " + Math.max(3840, spec.width() + extraWidth) + "x" + Math.max(2160, spec.height() + extraHeight) + "}");
    }
    a.addAll(List.of("--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-breakpad",
        "--disable-features=Translate,MediaRouter,OptimizationHints,DialMediaRouteProvider", "--password-store=basic",
        "--remote-debugging-port=9222", "--remote-allow-origins=*", "--user-data-dir=" + PROFILE_DIR,
        "--proxy-server=" + proxy, "--proxy-bypass-list=<-loopback>",
        "--window-size=" + (spec.width() + extraWidth) + "," + (spec.height() + extraHeight), "about:blank"));
    return a;
  }

  /**
   * Starts Chromium and its DevTools forwarder. A headed Chromium draws on the sandbox's desktop
   * ({@code :99}) when it has one, else on an Xvfb of its own.
   */
  Launched start(String sandboxId, String address, String proxy, BrowserSpec spec, String browserId, boolean sandboxHasDesktop) {
    Map<String, String> env = new java.util.LinkedHashMap<>(Map.of("WARREN_BROWSER_ID", browserId, "HOME", "/root"));
    Optional<Long> display = Optional.empty();
    if (!spec.headless() && sandboxHasDesktop) {
      env.put("DISPLAY", ":" + dev.warren.sandbox.Desktop.DISPLAY);
    } else if (!spec.headless()) {
      display = Optional.of(runtime.spawn(sandboxId, new ExecSpec(List.of("Xvfb", ":99", "-screen", "0",
          spec.width() + "x" + spec.height() + "x24", "-nolisten", "tcp"), env, Optional.empty(), new byte[0], Duration.ofSeconds(30), 0)));
      env.put("DISPLAY", ":99");
    }
    long forwarder = runtime.spawn(sandboxId, new ExecSpec(List.of("socat",
        "TCP-LISTEN:" + DEVTOOLS_PORT + ",bind=" + address + ",reuseaddr,fork", "TCP:127.0.0.1:9222"), env, Optional.empty(), new byte[0],
        Duration.ofSeconds(30), 0));
    int[] extra = decorations[spec.headless() ? 0 : 1];
    List<String> args = extra == null ? arguments(spec, proxy) : arguments(spec, proxy, extra[0], extra[1]);
    long chromium = runtime.spawn(sandboxId, new ExecSpec(args, env, Optional.empty(), new byte[0],
        Duration.ofSeconds(30), 0));
    return new Launched(chromium, forwarder, display);
  }

  /**
   * Makes the first page exactly the asked viewport. The first launch in each mode measures how
   * much smaller the page is than its window and resizes the window; later launches ask for the
   * larger window up front and only check.
   */
  /** Whether the window decorations of this mode were measured (launches then ask for the right size). */
  boolean fitted(BrowserSpec spec) {
    return decorations[spec.headless() ? 0 : 1] != null;
  }

  void fitViewport(String address, BrowserSpec spec, String browserPath) {
    int mode = spec.headless() ? 0 : 1;
    try (CdpClient cdp = CdpClient.connect(URI.create("ws://" + address + ":" + DEVTOOLS_PORT + browserPath), Duration.ofSeconds(3))) {
      String target = null;
      for (int i = 0; i < 40 && target == null; i++) {
        for (JsonNode t : cdp.call("Target.getTargets", null, Duration.ofSeconds(3)).path("targetInfos")) {
          if (t.path("type").asString().equals("page")) {
            target = t.path("targetId").asString();
            break;
          }
        }
        if (target == null) {
          BrowserService.sleep(25);
        }
      }
      if (target == null) {
        return;
      }
      String session = cdp.call("Target.attachToTarget", CdpClient.params().put("targetId", target).put("flatten", true),
          Duration.ofSeconds(3)).path("sessionId").asString();
      // right after start the window may not have its size yet (outer 0): wait for two equal, sane readings
      JsonNode size = null;
      JsonNode last = null;
      for (int i = 0; i < 80; i++) {
        JsonNode v = cdp.call("Runtime.evaluate", CdpClient.params().put("expression", "[innerWidth, innerHeight, outerWidth, outerHeight]")
            .put("returnByValue", true), Optional.of(session), Duration.ofSeconds(3)).path("result").path("value");
        boolean sane = v.path(2).asInt() >= v.path(0).asInt() && v.path(3).asInt() >= v.path(1).asInt() && v.path(0).asInt() > 0;
        if (sane && v.equals(last)) {
          size = v;
          break;
        }
        last = sane ? v : null;
        BrowserService.sleep(25);
      }
      if (size == null) {
        return;
      }
      int innerW = size.path(0).asInt();
      int innerH = size.path(1).asInt();
      if (innerW == spec.width() && innerH == spec.height()) {
        if (decorations[mode] == null) {
          decorations[mode] = new int[] {0, 0};
        }
        return;
      }
      int[] extra = {Math.max(0, size.path(2).asInt() - innerW), Math.max(0, size.path(3).asInt() - innerH)};
      decorations[mode] = extra;
      int window = cdp.call("Browser.getWindowForTarget", CdpClient.params().put("targetId", target), Duration.ofSeconds(3)).path("windowId")
          .asInt();
      ObjectNode bounds = CdpClient.params();
      bounds.putObject("bounds").put("width", spec.width() + extra[0]).put("height", spec.height() + extra[1]);
      cdp.call("Browser.setWindowBounds", bounds.put("windowId", window), Duration.ofSeconds(3));
    } catch (RuntimeException e) {
      org.slf4j.LoggerFactory.getLogger(Chromium.class).debug("cannot fit the viewport at {}: {}", address, e.getMessage());
    }
  }

  /** {@code /json/version} of the browser, or empty when it does not answer. */
  Optional<JsonNode> version(String address, Duration timeout) {
    return get(address, "/json/version", timeout);
  }

  Optional<JsonNode> get(String address, String path, Duration timeout) {
    return DevtoolsHttp.get(address, DEVTOOLS_PORT, path, timeout).json();
  }

  /** Like {@link #version}, with the reason when there is no answer. */
  DevtoolsHttp.Answer probe(String address, Duration timeout) {
    return DevtoolsHttp.get(address, DEVTOOLS_PORT, "/json/version", timeout);
  }

  /** Waits until DevTools answers; the browser's websocket path, or empty after {@code wait}. */
  Optional<String> awaitReady(String address, Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    while (System.nanoTime() < deadline) {
      Optional<JsonNode> v = version(address, Duration.ofMillis(500));
      if (v.isPresent()) {
        return Optional.of(URI.create(v.get().path("webSocketDebuggerUrl").asString()).getPath());
      }
      try {
        Thread.sleep(15);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Optional.empty();
      }
    }
    return Optional.empty();
  }

  /** Ends Chromium, its forwarder and display: every process carrying the session's id. */
  void kill(String sandboxId, String browserId) {
    // until none is left: a forwarder still alive keeps the DevTools port, so the next one could
    // not bind it (a restart then waited 20 s for DevTools in vain)
    runtime.killMarked(sandboxId, "WARREN_BROWSER_ID", browserId, 40);
  }

  /** How many processes of the session's Chromium (and forwarder, display) are alive. */
  int processes(String sandboxId, String browserId) {
    return runtime.signalMarked(sandboxId, "WARREN_BROWSER_ID", browserId, 0);
  }
}
