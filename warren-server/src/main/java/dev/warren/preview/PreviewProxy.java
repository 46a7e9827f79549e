package dev.warren.preview;

import dev.warren.error.Problem;
import dev.warren.error.WarrenException;
import dev.warren.runtime.SandboxRuntime;
import dev.warren.runtime.SandboxRuntimeException;
import dev.warren.sandbox.Sandbox;
import dev.warren.sandbox.SandboxService;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relays one HTTP request to a port inside a running sandbox, over a fresh connection to the app
 * (its sandbox's address, or {@code 127.0.0.1:port} in the sandbox's network namespace: {@link AppSockets}), and
 * streams the answer back: bodies both ways are copied as they come, never held whole. An upgrade
 * the app accepts (101, a WebSocket) becomes a {@link Tunnel}. Warren's credentials (Authorization,
 * {@code warren_*} cookies, {@code ?token=}) are not passed on; {@code X-Forwarded-*} say where the
 * request came from. Thread-safe: each call owns its connection; the open tunnels are a concurrent set.
 */
public final class PreviewProxy implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PreviewProxy.class);
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  /** How long the app may take to begin its answer, and to send the next bytes of it. */
  static final Duration ANSWER_TIMEOUT = Duration.ofMinutes(5);
  /** Request attribute holding a WebSocket upgrade's {@code Sec-WebSocket-Version}, hidden from the router by {@link PreviewFilter}. */
  static final String WS_VERSION = "warren.preview.wsVersion";
  private static final Set<String> SAFE = Set.of("GET", "HEAD", "OPTIONS");
  private static final Set<String> NOT_FORWARDED = Set.of("host", "connection", "keep-alive", "proxy-connection", "proxy-authorization",
      "proxy-authenticate", "te", "trailer", "transfer-encoding", "upgrade", "content-length", "authorization", "cookie", "expect",
      "http2-settings", "forwarded", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-forwarded-prefix", "x-forwarded-port");
  private static final Set<String> NOT_RETURNED = Set.of("connection", "keep-alive", "proxy-connection", "te", "trailer",
      "transfer-encoding", "upgrade", "content-length", "set-cookie", "location", "date", "server");

  /**
   * Behind a path the app's pages share Warren's origin with the dashboard and the API: a script
   * there could read the dashboard's page (its CSRF value) and call {@code /v1} with a logged-in
   * human's session. This policy gives each such page an opaque origin of its own instead: its
   * scripts run, its requests back to Warren are cross-site (the session's SameSite=Strict cookie
   * stays home) and their answers unreadable. The price: no {@code document.cookie} or storage
   * for the app's scripts there; a preview host ({@code WARREN_PREVIEW_DOMAIN}) is a real origin.
   */
  static final String OPAQUE_ORIGIN = "sandbox allow-scripts allow-forms allow-popups allow-popups-to-escape-sandbox allow-modals "
      + "allow-downloads allow-pointer-lock allow-presentation allow-top-navigation-by-user-activation";

  /** Where a request goes: a sandbox's port and the path on it (with its query), and the prefix the caller sees it under. */
  public record Target(String sandboxId, int port, String path, String prefix) {}

  private final SandboxService sandboxes;
  private final AppSockets sockets;
  private final Set<Tunnel> tunnels = Collections.newSetFromMap(new ConcurrentHashMap<>());

  public PreviewProxy(SandboxService sandboxes, SandboxRuntime runtime) {
    this.sandboxes = sandboxes;
    this.sockets = new AppSockets(runtime);
  }

  /**
   * Answers {@code req} with what the app answers.
   *
   * @throws WarrenException before anything is sent: 404 no such sandbox, 409 not running, 502 nothing listens on the port or
   *     it does not answer HTTP
   */
  public void serve(HttpServletRequest req, HttpServletResponse res, Target t, Tunnel.Binding binding)
      throws IOException, jakarta.servlet.ServletException {
    Optional<Sandbox> known = sandboxes.running(t.sandboxId());
    // the store says why not (404, 409), or that it runs after all
    Sandbox s = known.orElseGet(() -> sandboxes.requireRunning(t.sandboxId(), "open port " + t.port()));
    requireAppPort(s, t.port());
    sandboxes.touch(t.sandboxId());
    String where = "port " + t.port() + " of sandbox " + t.sandboxId();
    String upgrade = upgradeAsked(req);
    boolean chunkedIn = upgrade == null && req.getContentLengthLong() < 0 && req.getHeader("Transfer-Encoding") != null;
    // a GET, HEAD or OPTIONS without a body may go on a kept connection, and be sent again on a new one if that had just closed
    boolean bodiless = upgrade == null && !chunkedIn && req.getContentLengthLong() <= 0 && SAFE.contains(req.getMethod());
    byte[] head = head(req, t, upgrade, chunkedIn, bodiless).getBytes(StandardCharsets.ISO_8859_1);
    AppSockets.Conn c = open(s, t.port(), where, bodiless);
    boolean handedOver = false;
    boolean complete = false;
    try {
      AppResponse answer;
      try {
        answer = ask(c, head, req, upgrade, chunkedIn, where);
      } catch (IOException | AppResponse.NoAnswer e) {
        if (!c.reused) {
          throw e;
        }
        AppSockets.close(c.channel);
        c = open(s, t.port(), where, false);
        answer = ask(c, head, req, upgrade, chunkedIn, where);
      }
      SocketChannel ch = c.channel;
      InputStream fromApp = c.in;
      if (answer.status() == 101 && upgrade != null) {
        // Jetty hands the caller's endpoint to the tunnel once the 101 is sent (how its own WebSockets upgrade)
        org.eclipse.jetty.server.Request core = org.eclipse.jetty.ee10.servlet.ServletContextRequest.getServletContextRequest(req);
        java.util.concurrent.atomic.AtomicReference<Tunnel> self = new java.util.concurrent.atomic.AtomicReference<>();
        Tunnel tunnel = new Tunnel(core.getConnectionMetaData().getConnection().getEndPoint(), core.getComponents().getExecutor(), ch,
            fromApp, binding, () -> tunnels.remove(self.get()));
        self.set(tunnel);
        // a socket may stay quiet for long (the app pings, or not): no read timeout on the app's side
        ch.socket().setSoTimeout(0);
        tunnels.add(tunnel);
        core.setAttribute(org.eclipse.jetty.server.HttpStream.UPGRADE_CONNECTION_ATTRIBUTE, tunnel);
        res.setStatus(101);
        copyHeaders(answer, res, t.prefix());
        res.setHeader("Connection", "Upgrade");
        res.setHeader("Upgrade", answer.header("Upgrade").orElse(upgrade));
        handedOver = true;
        return;
      }
      res.setStatus(answer.status());
      copyHeaders(answer, res, t.prefix());
      if (!t.prefix().isEmpty()) {
        res.addHeader("Content-Security-Policy", OPAQUE_ORIGIN);
      }
      boolean keep = bodiless && !answer.header("Connection").map(v -> v.toLowerCase(Locale.ROOT).contains("close")).orElse(false);
      if (req.getMethod().equals("HEAD") || answer.status() == 204 || answer.status() == 304 || answer.status() == 101) {
        complete = keep && answer.status() != 101;
        return;
      }
      OutputStream out = res.getOutputStream();
      if (answer.chunked()) {
        Bodies.dechunk(fromApp, out);
      } else if (answer.header("Content-Length").isPresent()) {
        long n = Long.parseLong(answer.header("Content-Length").get().strip());
        res.setContentLengthLong(n);
        Bodies.exactly(fromApp, out, n);
      } else {
        Bodies.all(fromApp, out);
        keep = false;
      }
      complete = keep;
    } catch (NumberFormatException e) {
      throw new WarrenException(Problem.BAD_GATEWAY, where + " sent a malformed Content-Length");
    } finally {
      if (complete) {
        sockets.release(c, true);
      } else if (!handedOver) {
        AppSockets.close(c.channel);
      }
    }
  }

  /** A connection to the app, kept or new; 502 naming the port when nothing accepts one. */
  private AppSockets.Conn open(Sandbox s, int port, String where, boolean mayReuse) throws IOException {
    try {
      return sockets.open(s, port, CONNECT_TIMEOUT, mayReuse);
    } catch (SandboxRuntimeException e) {
      throw new WarrenException(Problem.BAD_GATEWAY, "nothing accepts connections on " + where + " (" + e.getMessage()
          + "); start a server listening on that port (on 0.0.0.0 or 127.0.0.1)", java.util.Optional.of("port"),
          java.util.Map.of("port", port), e);
    }
  }

  /** Sends the request's head (and body) on {@code c} and reads the app's answer head. */
  private static AppResponse ask(AppSockets.Conn c, byte[] head, HttpServletRequest req, String upgrade, boolean chunkedIn, String where)
      throws IOException {
    c.channel.socket().setSoTimeout((int) ANSWER_TIMEOUT.toMillis());
    c.out.write(head);
    if (upgrade == null && req.getContentLengthLong() > 0) {
      Bodies.exactly(req.getInputStream(), c.out, req.getContentLengthLong());
    } else if (chunkedIn) {
      Bodies.chunk(req.getInputStream(), c.out);
    }
    c.out.flush();
    return AppResponse.read(c.in, where);
  }

  /**
   * Refuses (403) a port where Warren itself listens inside the sandbox: Chromium's DevTools and
   * the desktop's VNC server answer the controller alone, through the browser and live-view APIs
   * that check who asks; a preview door (above all a public URL) would hand them to anyone.
   */
  public static void requireAppPort(Sandbox s, int port) {
    Optional<String> warrens = ListeningPorts.warrensUse(s, port);
    if (warrens.isPresent()) {
      String via = warrens.get().equals("devtools") ? "Chromium's DevTools: use the browser's CDP endpoints (/v1/browsers/{id}/cdp, "
          + "/v1/browsers/{id}/json/version), which check who asks" : "the desktop's VNC server: use the live view (/v1/sandboxes/"
          + s.id() + "/vnc or a signed live-view URL)";
      throw new WarrenException(Problem.FORBIDDEN, "port " + port + " of " + s.id() + " is Warren's own, never a preview door: it is " + via,
          Optional.of("port"), java.util.Map.of("port", port), null);
    }
  }

  /**
   * The protocol asked for in {@code Upgrade} when {@code Connection} says upgrade; else null. An
   * {@code h2c} offer (the JDK client makes one on every plain-http request) is not passed on: the
   * answer is HTTP/1.1 either way.
   */
  private static String upgradeAsked(HttpServletRequest req) {
    String connection = req.getHeader("Connection");
    String upgrade = req.getHeader("Upgrade");
    return connection != null && upgrade != null && connection.toLowerCase(Locale.ROOT).contains("upgrade")
        && !upgrade.strip().equalsIgnoreCase("h2c") ? upgrade : null;
  }

  private static String head(HttpServletRequest req, Target t, String upgrade, boolean chunked, boolean keepAlive) {
    StringBuilder h = new StringBuilder(1024);
    h.append(req.getMethod()).append(' ').append(t.path()).append(" HTTP/1.1\r\n");
    h.append("Host: localhost:").append(t.port()).append("\r\n");
    for (String name : Collections.list(req.getHeaderNames())) {
      if (NOT_FORWARDED.contains(name.toLowerCase(Locale.ROOT))) {
        continue;
      }
      for (String v : Collections.list(req.getHeaders(name))) {
        h.append(name).append(": ").append(v).append("\r\n");
      }
    }
    Object wsVersion = req.getAttribute(WS_VERSION);
    if (wsVersion != null) {
      h.append("Sec-WebSocket-Version: ").append(wsVersion).append("\r\n");
    }
    Cookies.toApp(String.join("; ", Collections.list(req.getHeaders("Cookie")))).ifPresent(c -> h.append("Cookie: ").append(c).append("\r\n"));
    h.append("X-Forwarded-For: ").append(req.getRemoteAddr()).append("\r\n");
    String proto = "https".equalsIgnoreCase(req.getHeader("X-Forwarded-Proto")) || req.isSecure() ? "https" : "http";
    h.append("X-Forwarded-Proto: ").append(proto).append("\r\n");
    if (req.getHeader("Host") != null) {
      h.append("X-Forwarded-Host: ").append(req.getHeader("Host")).append("\r\n");
    }
    if (!t.prefix().isEmpty()) {
      h.append("X-Forwarded-Prefix: ").append(t.prefix()).append("\r\n");
    }
    if (upgrade != null) {
      h.append("Connection: Upgrade\r\nUpgrade: ").append(upgrade).append("\r\n");
    } else {
      if (!keepAlive) {
        h.append("Connection: close\r\n");
      }
      if (req.getContentLengthLong() >= 0) {
        h.append("Content-Length: ").append(req.getContentLengthLong()).append("\r\n");
      } else if (chunked) {
        h.append("Transfer-Encoding: chunked\r\n");
      }
    }
    return h.append("\r\n").toString();
  }

  private static void copyHeaders(AppResponse answer, HttpServletResponse res, String prefix) {
    for (String[] f : answer.headers()) {
      String name = f[0].toLowerCase(Locale.ROOT);
      if (name.equals("set-cookie")) {
        Cookies.fromApp(f[1], prefix).ifPresent(c -> res.addHeader("Set-Cookie", c));
      } else if (name.equals("location")) {
        res.setHeader("Location", Cookies.location(f[1], prefix));
      } else if (!NOT_RETURNED.contains(name)) {
        res.addHeader(f[0], f[1]);
      }
    }
  }

  /** Closes the open tunnels that {@code which} selects (a revoked URL's or token's, a stopping sandbox's). */
  public void closeTunnels(Predicate<Tunnel.Binding> which) {
    for (Tunnel t : tunnels) {
      if (t.binding() != null && which.test(t.binding())) {
        t.close();
      }
    }
  }

  /** How many upgraded connections are open (for tests and metrics). */
  public int openTunnels() {
    return tunnels.size();
  }

  @Override
  public void close() {
    closeTunnels(b -> true);
    sockets.close();
    log.debug("preview proxy closed");
  }
}
