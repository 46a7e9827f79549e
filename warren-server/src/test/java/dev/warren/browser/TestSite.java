package dev.warren.browser;

import com.sun.net.httpserver.HttpServer;
import dev.warren.testing.OutsideHost;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * A small web site off Warren's host (on the {@link OutsideHost#shared() outside host}: the egress
 * proxy never connects to the host itself) for browser tests, reached by sandboxes only through
 * Warren's egress proxy with {@link #allow()}: a page with a button, a login that sets a cookie, and
 * a page that shows it. Public because the SDK's browser tests ({@code dev.warren.client}) use it too.
 */
public final class TestSite implements AutoCloseable {
  private final HttpServer server;

  public TestSite() throws IOException {
    server = OutsideHost.shared().http(ex -> {
      String path = ex.getRequestURI().getPath();
      String cookie = ex.getRequestHeaders().getFirst("Cookie");
      String body;
      switch (path) {
        case "/login" -> {
          ex.getResponseHeaders().add("Set-Cookie", "session=agent-logged-in; Path=/; Max-Age=86400; HttpOnly");
          body = "<html><head><title>Logged in</title></head><body>welcome</body></html>";
        }
        case "/whoami" -> body = "<html><head><title>Who</title></head><body><p id=who>" + (cookie == null ? "nobody" : cookie)
            + "</p></body></html>";
        default -> body = """
            <html><head><title>Warren test page</title></head><body>
            <h1 id="greeting">Hello from the test site</h1>
            <button id="go" onclick="document.getElementById('greeting').textContent = 'clicked ' + (1 + 1)">Go</button>
            <input id="name">
            </body></html>""";
      }
      byte[] b = body.getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
      ex.sendResponseHeaders(200, b.length);
      ex.getResponseBody().write(b);
      ex.close();
    });
  }

  public int port() {
    return server.getAddress().getPort();
  }

  public String url(String path) {
    return "http://" + allow() + path;
  }

  /** The egress pattern that lets a sandbox reach this site (its address and port). */
  public String allow() {
    return OutsideHost.shared().target(port());
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
