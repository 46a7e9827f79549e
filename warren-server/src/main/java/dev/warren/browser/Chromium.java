package dev.warren.browser;

import dev.warren.runtime.ExecSpec;
import dev.warren.runtime.SandboxRuntime;
import dev.warren.runtime.SandboxRuntimeException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Starts, probes and stops Chromium inside a browser sandbox. Chromium runs as {@link #USER}, an
 * unprivileged uid without capabilities, and its DevTools listens on the sandbox's own loopback,
 * port {@link #DEVTOOLS_PORT}, which nothing outside the sandbox reaches: the controller connects
 * to it inside the sandbox through {@link SandboxRuntime#connect}.
 */
final class Chromium {
  static final int DEVTOOLS_PORT = 9222;
  static final String PROFILE_DIR = "/var/lib/warren/browser/profile";
  /** Chromium's uid and gid inside its sandbox: no passwd entry needed, its home and profile are its own. */
  static final int USER = 1000;
  static final String HOME = "/var/lib/warren/browser/home";
  /** Where the files pages download land (Chromium's own, {@link #USER}'s; not part of the profile). */
  static final String DOWNLOADS = "/var/lib/warren/browser/downloads";
  /** Runs the rest of a command line as {@link #USER}: no groups, no capabilities, no way back to root. */
  static final List<String> AS_USER = List.of("setpriv", "--reuid=" + USER, "--regid=" + USER, "--clear-groups", "--no-new-privs", "--");
  /**
   * Makes the home and profile directories {@link #USER}'s (a profile left by a Chromium that ran
   * as root, before Warren ran it as a user, is given to it whole), then runs its arguments as
   * {@link #USER}. Arguments: home, profile, uid, downloads, then the command line.
   */
  private static final String LAUNCH = """
      set -e
      home=$1 profile=$2 uid=$3 downloads=$4
      shift 4
      if [ -d "$profile" ] && [ "$(stat -c %u "$profile")" != "$uid" ]; then chown -R "$uid:$uid" "$profile"; fi
      install -d -o "$uid" -g "$uid" -m 0700 "$home" "$profile"
      install -d -o "$uid" -g "$uid" -m 0755 "$downloads"
      exec "$@"
      """;

  private final SandboxRuntime runtime;

  Chromium(SandboxRuntime runtime) {
    this.runtime = runtime;
  }

  /** The pids (inside the sandbox) of what a start launched. */
  record Launched(long chromiumPid, Optional<Long> displayPid) {}

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
        "--remote-debugging-port=" + DEVTOOLS_PORT, "--user-data-dir=" + PROFILE_DIR,
        "--proxy-server=" + proxy, "--proxy-bypass-list=<-loopback>",
        "--window-size=" + (spec.width() + extraWidth) + "," + (spec.height() + extraHeight), "about:blank"));
    return a;
  }

  /**
   * Starts Chromium as {@link #USER}. A headed Chromium draws on the sandbox's desktop
   * ({@code :99}) when it has one, else on an Xvfb of its own, run as {@link #USER} too.
   */
  Launched start(String sandboxId, String proxy, BrowserSpec spec, String browserId, boolean sandboxHasDesktop) {
    Map<String, String> env = new java.util.LinkedHashMap<>(Map.of("WARREN_BROWSER_ID", browserId, "HOME", HOME));
    Optional<Long> display = Optional.empty();
    if (!spec.headless() && sandboxHasDesktop) {
      env.put("DISPLAY", ":" + dev.warren.sandbox.Desktop.DISPLAY);
    } else if (!spec.headless()) {
      List<String> xvfb = new ArrayList<>(AS_USER);
      xvfb.addAll(List.of("Xvfb", ":99", "-screen", "0", spec.width() + "x" + spec.height() + "x24", "-nolisten", "tcp"));
      display = Optional.of(runtime.guest(sandboxId).spawn(new ExecSpec(xvfb, env, Optional.empty(), new byte[0], Duration.ofSeconds(30), 0)));
      env.put("DISPLAY", ":99");
    }
    int[] extra = decorations[spec.headless() ? 0 : 1];
    List<String> argv = new ArrayList<>(List.of("sh", "-c", LAUNCH, "launch", HOME, PROFILE_DIR, Integer.toString(USER), DOWNLOADS));
    argv.addAll(AS_USER);
    argv.addAll(extra == null ? arguments(spec, proxy) : arguments(spec, proxy, extra[0], extra[1]));
    long chromium = runtime.guest(sandboxId).spawn(new ExecSpec(argv, env, Optional.empty(), new byte[0], Duration.ofSeconds(30), 0));
    return new Launched(chromium, display);
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

  void fitViewport(String sandboxId, BrowserSpec spec, String browserPath) {
    int mode = spec.headless() ? 0 : 1;
    try (CdpClient cdp = cdp(sandboxId, browserPath, Duration.ofSeconds(3))) {
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
      org.slf4j.LoggerFactory.getLogger(Chromium.class).debug("cannot fit the viewport in {}: {}", sandboxId, e.getMessage());
    }
  }

  /**
   * Unpacks the tar file {@code tar} (in the sandbox) into the profile directory as {@link #USER},
   * so that every file is its own (the shell, root, opens the tar), then removes it.
   */
  static List<String> unpackProfile(String tar) {
    List<String> argv = new ArrayList<>(List.of("sh", "-c", "tar=$1 dir=$2; shift 2; install -d -o " + USER + " -g " + USER
        + " -m 0700 \"$dir\" && \"$@\" < \"$tar\" && rm -f \"$tar\"", "unpack", tar, PROFILE_DIR));
    argv.addAll(AS_USER);
    argv.addAll(List.of("tar", "-xf", "-", "-C", PROFILE_DIR));
    return argv;
  }

  /**
   * Packs the profile directory, less its caches and locks, into the tar file {@code tar}: read as
   * {@link #USER} (its files are 0600), written by the shell (root) where the user cannot write.
   */
  static List<String> packProfile(String tar) {
    List<String> argv = new ArrayList<>(List.of("sh", "-c", "tar=$1; shift; \"$@\" > \"$tar\"", "pack", tar));
    argv.addAll(AS_USER);
    argv.addAll(List.of("tar", "-cf", "-", "-C", PROFILE_DIR, "--exclude=Cache", "--exclude=Code Cache", "--exclude=GPUCache",
        "--exclude=Service Worker/CacheStorage", "--exclude=Singleton*", "."));
    return argv;
  }

  /**
   * A CDP client on the DevTools target at {@code path} ({@code /devtools/browser/…} or a page's)
   * of the Chromium in {@code sandboxId}.
   *
   * @throws IllegalStateException when DevTools does not answer within {@code timeout}
   */
  CdpClient cdp(String sandboxId, String path, Duration timeout) {
    return CdpClient.open(connect(sandboxId, timeout), sandboxId, path, timeout);
  }

  /** The raw WebSocket to the DevTools target at {@code path}, for relaying a client's CDP. */
  DevtoolsSocket socket(String sandboxId, String path, Duration timeout, int maxMessage, DevtoolsSocket.Listener listener)
      throws java.io.IOException {
    return DevtoolsSocket.open(connect(sandboxId, timeout), sandboxId, path, timeout, maxMessage, listener);
  }

  private java.nio.channels.SocketChannel connect(String sandboxId, Duration timeout) {
    try {
      return runtime.guest(sandboxId).connect(DEVTOOLS_PORT, timeout);
    } catch (SandboxRuntimeException e) {
      throw new IllegalStateException("cannot reach DevTools in " + sandboxId + ": " + e.getMessage(), e);
    }
  }

  /**
   * Whether anything listens on DevTools in the sandbox: a connection is accepted. Chromium's
   * listening socket goes with its process, so a refusal means it is gone; an accepted connection
   * that is not answered means it is alive but busy, stopped or hung.
   */
  boolean listening(String sandboxId, Duration timeout) {
    try (java.nio.channels.SocketChannel ch = runtime.guest(sandboxId).connect(DEVTOOLS_PORT, timeout)) {
      return true;
    } catch (SandboxRuntimeException | java.io.IOException e) {
      return false;
    }
  }

  /** {@code /json/version} of the browser, or empty when it does not answer. */
  Optional<JsonNode> version(String sandboxId, Duration timeout) {
    return get(sandboxId, "/json/version", timeout);
  }

  Optional<JsonNode> get(String sandboxId, String path, Duration timeout) {
    return probe(sandboxId, path, timeout).json();
  }

  /** Like {@link #get}, with the reason when there is no answer. */
  DevtoolsHttp.Answer probe(String sandboxId, String path, Duration timeout) {
    Dialed d;
    try {
      d = dial(sandboxId, timeout);
    } catch (SandboxRuntimeException e) {
      return DevtoolsHttp.Answer.failed(e.getMessage());
    }
    return DevtoolsHttp.get(d.channel(), sandboxId, path, d.left());
  }

  /** One DevTools HTTP call ({@code method path}) as Chromium answers it; IOException when it cannot be reached or does not answer. */
  DevtoolsHttp.Raw call(String sandboxId, String method, String path, Duration timeout) throws java.io.IOException {
    Dialed d;
    try {
      d = dial(sandboxId, timeout);
    } catch (SandboxRuntimeException e) {
      throw new java.io.IOException(e.getMessage(), e);
    }
    return DevtoolsHttp.send(d.channel(), sandboxId, method, path, d.left());
  }

  /** A connection to the sandbox's DevTools port and what is left of the call's timeout once it is made (1 ms at least). */
  private record Dialed(java.nio.channels.SocketChannel channel, Duration left) {}

  private Dialed dial(String sandboxId, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    java.nio.channels.SocketChannel ch = runtime.guest(sandboxId).connect(DEVTOOLS_PORT, timeout);
    return new Dialed(ch, Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime())));
  }

  /** The browser target's path in a {@code /json/version} answer. */
  static String browserPath(JsonNode version) {
    return URI.create(version.path("webSocketDebuggerUrl").asString()).getPath();
  }

  /**
   * Waits until DevTools answers {@code /json/version}: that answer, or the last failure after
   * {@code wait}. Until Chromium listens a connection is refused at once; once it listens, a slow
   * answer (a busy host) is waited for rather than asked again on a new connection.
   */
  DevtoolsHttp.Answer awaitReady(String sandboxId, Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    DevtoolsHttp.Answer last = DevtoolsHttp.Answer.failed("not asked yet");
    while (System.nanoTime() < deadline) {
      last = probe(sandboxId, "/json/version", Duration.ofNanos(Math.clamp(deadline - System.nanoTime(), 1_000_000, 5_000_000_000L)));
      if (last.json().isPresent()) {
        return last;
      }
      try {
        Thread.sleep(15);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return DevtoolsHttp.Answer.failed("interrupted");
      }
    }
    return last;
  }

  /** Ends Chromium and its own display: every process carrying the session's id. */
  void kill(String sandboxId, String browserId) {
    // until none is left: a Chromium still dying keeps the DevTools port and the profile's lock
    runtime.guest(sandboxId).killMarked("WARREN_BROWSER_ID", browserId, 40);
  }

  /** How many processes of the session's Chromium (and its own display) are alive. */
  int processes(String sandboxId, String browserId) {
    return runtime.guest(sandboxId).signalMarked("WARREN_BROWSER_ID", browserId, 0);
  }
}
