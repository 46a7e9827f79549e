package dev.warren.web;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Playwright;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;

/**
 * The system's headless Chromium in a network namespace of its own, reaching the Warren under test
 * at the same 127.0.0.1:port through a {@link LoopbackBridge}. Why: every veth that sandboxes
 * (ours and other test runs') add to or remove from the host makes Chromium abort requests in
 * flight with net::ERR_NETWORK_CHANGED; a namespace with only loopback hears none of that.
 */
final class IsolatedChromium implements AutoCloseable {
  private static final String SCRIPT = """
      #!/bin/sh
      # Chromium in a fresh network namespace: only loopback, bridged to the host's Warren
      set -e
      if [ -z "$WARREN_BRIDGE_INSIDE" ]; then
        WARREN_BRIDGE_INSIDE=1 exec unshare --net -- "$0" "$@"
      fi
      ip link set lo up
      "$WARREN_BRIDGE_JAVA" -cp "$WARREN_BRIDGE_CP" dev.warren.web.LoopbackBridge "$WARREN_BRIDGE_PORT" "$WARREN_BRIDGE_SOCKET" &
      i=0
      while [ ! -e "$WARREN_BRIDGE_SOCKET.ready" ]; do
        i=$((i + 1))
        if [ "$i" -gt 600 ]; then echo "the loopback bridge did not start within 30 s" >&2; exit 1; fi
        sleep 0.05
      done
      exec /usr/bin/chromium "$@"
      """;

  private final Path dir;
  private final ServerSocketChannel bridge;
  final Browser browser;

  IsolatedChromium(Playwright playwright, URI server) {
    try {
      dir = Files.createTempDirectory(Path.of("/tmp"), "warren-chromium-");
      Path socket = dir.resolve("bridge.sock");
      bridge = LoopbackBridge.serve(socket, new InetSocketAddress(server.getHost(), server.getPort()));
      Path script = dir.resolve("chromium.sh");
      Files.writeString(script, SCRIPT);
      Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
      Map<String, String> env = new HashMap<>(System.getenv());
      env.put("WARREN_BRIDGE_JAVA", ProcessHandle.current().info().command().orElse("java"));
      env.put("WARREN_BRIDGE_CP", System.getProperty("java.class.path"));
      env.put("WARREN_BRIDGE_PORT", Integer.toString(server.getPort()));
      env.put("WARREN_BRIDGE_SOCKET", socket.toString());
      browser = playwright.chromium().launch(new BrowserType.LaunchOptions().setExecutablePath(script).setHeadless(true).setEnv(env));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    try {
      browser.close();
      bridge.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      try (var files = Files.list(dir)) {
        for (Path p : files.toList()) {
          Files.deleteIfExists(p);
        }
        Files.deleteIfExists(dir);
      } catch (IOException e) {
        System.err.println("cannot remove " + dir + ": " + e);
      }
    }
  }
}
