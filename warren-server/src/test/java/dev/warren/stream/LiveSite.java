package dev.warren.stream;

import com.sun.net.httpserver.HttpServer;
import dev.warren.testing.OutsideHost;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * A web site off Warren's host (on the {@link OutsideHost#shared() outside host}) for live-view
 * tests, reached by sandboxes through Warren's egress proxy with {@link #allow()}:
 * a red page, taller than the window, with a button that turns it blue and a text input, and a
 * login that sets a cookie. Public for the dashboard's Firefox test ({@code dev.warren.web}).
 */
public final class LiveSite implements AutoCloseable {
  /** Where the button is on the page, in CSS pixels. */
  public static final int BUTTON_X = 100;
  public static final int BUTTON_Y = 100;
  public static final int BUTTON_W = 300;
  public static final int BUTTON_H = 200;
  /** Where the text input is (its top left corner; 300 × 40). */
  public static final int INPUT_X = 100;
  public static final int INPUT_Y = 400;

  private final HttpServer server;

  public LiveSite() throws IOException {
    server = OutsideHost.shared().http(ex -> {
      String path = ex.getRequestURI().getPath();
      String cookie = ex.getRequestHeaders().getFirst("Cookie");
      String body = switch (path) {
        case "/login" -> {
          ex.getResponseHeaders().add("Set-Cookie", "session=human-logged-in; Path=/; Max-Age=86400");
          yield "<html><head><title>Logged in</title></head><body>welcome</body></html>";
        }
        case "/whoami" -> "<html><head><title>Who</title></head><body><p id=who>" + (cookie == null ? "nobody" : cookie) + "</p></body></html>";
        default -> """
            <html><head><title>Red page</title><style>
              html, body { margin: 0; height: 100%%; background: rgb(220, 20, 20); }
              #go { position: absolute; left: %dpx; top: %dpx; width: %dpx; height: %dpx; background: rgb(20, 200, 20); border: 0; }
              #name { position: absolute; left: %dpx; top: %dpx; width: 300px; height: 40px; }
            </style></head><body>
            <button id="go" onclick="document.body.style.background = 'rgb(20, 20, 220)'; document.title = 'clicked'">Go</button>
            <input id="name">
            <div style="height: 3000px"></div>
            </body></html>""".formatted(BUTTON_X, BUTTON_Y, BUTTON_W, BUTTON_H, INPUT_X, INPUT_Y);
      };
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
