package dev.warren.browser;

import dev.warren.runtime.ExecSpec;
import dev.warren.runtime.SandboxRuntime;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Starts, probes and stops Chromium inside a browser sandbox. Chromium's DevTools listens on
 * 127.0.0.1:9222 in the sandbox whatever it is told; socat forwards the sandbox's own address,
 * port 9223, to it, which the controller (on the bridge) reaches and nothing else can.
 */
final class Chromium {
  static final int DEVTOOLS_PORT = 9223;
  static final String PROFILE_DIR = "/var/lib/warren/browser/profile";
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final SandboxRuntime runtime;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  Chromium(SandboxRuntime runtime) {
    this.runtime = runtime;
  }

  /** The pids (inside the sandbox) of what a start launched. */
  record Launched(long chromiumPid, long forwarderPid, Optional<Long> displayPid) {}

  static List<String> arguments(BrowserSpec spec, String proxy) {
    List<String> a = new ArrayList<>(List.of("/usr/bin/chromium"));
    if (spec.headless()) {
      a.add("--headless=new");
    }
    a.addAll(List.of("--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-breakpad",
        "--disable-features=Translate,MediaRouter,OptimizationHints,DialMediaRouteProvider", "--password-store=basic",
        "--remote-debugging-port=9222", "--remote-allow-origins=*", "--user-data-dir=" + PROFILE_DIR,
        "--proxy-server=" + proxy, "--proxy-bypass-list=<-loopback>",
        "--window-size=" + spec.width() + "," + spec.height(), "about:blank"));
    return a;
  }

  Launched start(String sandboxId, String address, String proxy, BrowserSpec spec, String browserId) {
    Map<String, String> env = new java.util.LinkedHashMap<>(Map.of("WARREN_BROWSER_ID", browserId, "HOME", "/root"));
    Optional<Long> display = Optional.empty();
    if (!spec.headless()) {
      display = Optional.of(runtime.spawn(sandboxId, new ExecSpec(List.of("Xvfb", ":99", "-screen", "0",
          spec.width() + "x" + spec.height() + "x24", "-nolisten", "tcp"), env, Optional.empty(), new byte[0], Duration.ofSeconds(30), 0)));
      env.put("DISPLAY", ":99");
    }
    long forwarder = runtime.spawn(sandboxId, new ExecSpec(List.of("socat",
        "TCP-LISTEN:" + DEVTOOLS_PORT + ",bind=" + address + ",reuseaddr,fork", "TCP:127.0.0.1:9222"), env, Optional.empty(), new byte[0],
        Duration.ofSeconds(30), 0));
    long chromium = runtime.spawn(sandboxId, new ExecSpec(arguments(spec, proxy), env, Optional.empty(), new byte[0],
        Duration.ofSeconds(30), 0));
    return new Launched(chromium, forwarder, display);
  }

  /** {@code /json/version} of the browser, or empty when it does not answer. */
  Optional<JsonNode> version(String address, Duration timeout) {
    return get(address, "/json/version", timeout);
  }

  Optional<JsonNode> get(String address, String path, Duration timeout) {
    try {
      HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create("http://" + address + ":" + DEVTOOLS_PORT + path))
          .timeout(timeout).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
      return r.statusCode() == 200 ? Optional.of(JSON.readTree(r.body())) : Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
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
    runtime.signalMarked(sandboxId, "WARREN_BROWSER_ID", browserId, 9);
  }

  /** How many processes of the session's Chromium (and forwarder, display) are alive. */
  int processes(String sandboxId, String browserId) {
    return runtime.signalMarked(sandboxId, "WARREN_BROWSER_ID", browserId, 0);
  }
}
