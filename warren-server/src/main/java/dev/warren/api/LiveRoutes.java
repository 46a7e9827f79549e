package dev.warren.api;

import dev.warren.browser.BrowserService;
import dev.warren.error.Ids;
import dev.warren.stream.CloseCode;
import dev.warren.stream.LiveViews;
import dev.warren.stream.Viewer;
import dev.warren.stream.ViewerSession;
import dev.warren.stream.ViewerSocket;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.websocket.WsContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Live views of browser sessions: the page {@code GET /live/browsers/{id}?token=} (HTML and
 * script from the jar, no framework), its WebSocket {@code /v1/browsers/{id}/live?viewer=&token=},
 * {@code POST /v1/browsers/{id}/live-view-url} to mint a URL, and {@code GET …/viewers}. The
 * WebSocket checks its token itself so that a refusal is a close with code 4003 and a reason,
 * which a page can show (a refused upgrade shows as 1006 with nothing).
 */
final class LiveRoutes {
  private static final Logger log = LoggerFactory.getLogger(LiveRoutes.class);
  static final int MAX_MESSAGE = 1024 * 1024;

  private final BrowserService browsers;
  private final LiveViews views;
  private final LiveTokens tokens;
  private final String page;
  private final String script;
  private final Map<String, Viewer> open = new ConcurrentHashMap<>();

  LiveRoutes(BrowserService browsers, LiveViews views, LiveTokens tokens) {
    this.browsers = browsers;
    this.views = views;
    this.tokens = tokens;
    this.page = resource("live.html");
    this.script = resource("live.js");
  }

  void register(RoutesConfig r) {
    r.get("/live/browsers/{id}", this::page);
    r.get("/live/live.js", ctx -> ctx.contentType("text/javascript; charset=utf-8").header("Cache-Control", "no-cache").result(script));
    r.post("/v1/browsers/{id}/live-view-url", this::mint);
    r.get("/v1/browsers/{id}/viewers", this::viewers);
    r.ws("/v1/browsers/{id}/live", ws -> {
      ws.onConnect(this::connected);
      ws.onMessage(ctx -> {
        Viewer v = open.get(ctx.sessionId());
        if (v != null) {
          views.message(v, ctx.message());
        }
      });
      ws.onBinaryMessage(ctx -> {
        Viewer v = open.get(ctx.sessionId());
        if (v != null) {
          new Socket(ctx).send("{\"type\":\"error\",\"code\":\"bad-message\",\"message\":\"messages are JSON text frames\"}");
        }
      });
      ws.onClose(ctx -> {
        Viewer v = open.remove(ctx.sessionId());
        if (v != null) {
          views.disconnected(v, ctx.status());
        }
      });
      ws.onError(ctx -> {
        log.debug("live view socket error: {}", String.valueOf(ctx.error()));
        Viewer v = open.remove(ctx.sessionId());
        if (v != null) {
          views.disconnected(v, 1006);
        }
      });
    });
  }

  private void connected(WsContext ctx) {
    ctx.session.setMaxTextMessageSize(MAX_MESSAGE);
    ctx.session.setIdleTimeout(Duration.ofMinutes(2));
    ctx.enableAutomaticPings(20, TimeUnit.SECONDS);
    Socket socket = new Socket(ctx);
    String id = ctx.pathParam("id");
    String token = LiveTokens.presented(ctx.header("Authorization"), ctx.queryParam("token"));
    LiveTokens.Access access = tokens.browser(id, token);
    if (access.scope().isEmpty()) {
      socket.close(CloseCode.FORBIDDEN, access.problem());
      return;
    }
    if (!Ids.looksLike("brw", id)) {
      socket.close(CloseCode.GONE, "no browser session " + id);
      return;
    }
    Optional<String> requested = Optional.ofNullable(ctx.queryParam("viewer")).filter(v -> !v.isEmpty());
    if (requested.isPresent() && !Viewer.ID.matcher(requested.get()).matches()) {
      socket.close(CloseCode.BAD_REQUEST, "bad viewer id: 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit");
      return;
    }
    // an id another token's viewer holds is not given out: the hello says which id this viewer got
    String viewer = views.viewerId(id, requested, ApiTokens.hash(token), access.scope().get(), () -> Ids.next("vwr"));
    ctx.attribute(TokenSockets.MINTER, access.minter());
    Viewer v = new Viewer(id, viewer, access.scope().get(), socket);
    open.put(ctx.sessionId(), v);
    views.connect(v);
  }

  private void page(Context ctx) {
    String id = ctx.pathParam("id");
    LiveTokens.Access access = tokens.browser(id, ctx.queryParam("token"));
    ctx.header("Cache-Control", "no-store").header("Referrer-Policy", "no-referrer");
    if (access.scope().isEmpty()) {
      ctx.status(401).contentType("text/html; charset=utf-8").result(errorPage("This live view link does not work", access.problem()));
      return;
    }
    if (!Ids.looksLike("brw", id)) {
      ctx.status(404).contentType("text/html; charset=utf-8").result(errorPage("No such browser session", "no browser session " + id));
      return;
    }
    ctx.contentType("text/html; charset=utf-8").result(page);
  }

  private void mint(Context ctx) {
    String id = ctx.pathParam("id");
    Body b = Body.of(ctx, Set.of("control", "ttlSeconds"));
    boolean control = b.bool("control").orElse(false);
    Duration ttl = b.integer("ttlSeconds", 1, LiveTokens.MAX_TTL_SECONDS).map(Duration::ofSeconds).orElse(LiveTokens.DEFAULT_TTL);
    browsers.get(id);
    ObjectNode out = Json.object().put("url", tokens.pageUrl(ctx, id, control, ttl)).put("control", control)
        .put("expiresAt", Json.time(LiveTokens.expiry(ttl)));
    Json.send(ctx, 201, out);
  }

  private void viewers(Context ctx) {
    String id = ctx.pathParam("id");
    browsers.get(id);
    ObjectNode out = Json.object();
    ArrayNode arr = out.putArray("viewers");
    String holder = null;
    for (ViewerSession s : views.viewers(id)) {
      arr.addObject().put("viewer", s.viewerId()).put("generation", s.generation()).put("scope", s.scope()).put("control", s.control())
          .put("connected", s.connected()).put("createdAt", Json.time(s.createdAt())).put("lastSeenAt", Json.time(s.lastSeenAt()));
      if (s.control()) {
        holder = s.viewerId();
      }
    }
    out.put("holder", holder);
    Json.send(ctx, 200, out);
  }

  private static String errorPage(String title, String detail) {
    return "<!doctype html><meta charset=utf-8><title>" + escape(title) + "</title><body style=\"font:15px system-ui;margin:2em\"><h1>"
        + escape(title) + "</h1><p>" + escape(detail) + "</p>";
  }

  static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }

  private static String resource(String name) {
    try (InputStream in = LiveViews.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource dev/warren/stream/" + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A viewer's WebSocket over Javalin: sends queue in the web server, closes carry a code and a reason. */
  private record Socket(WsContext ctx) implements ViewerSocket {
    @Override
    public void send(String text) {
      try {
        ctx.send(text);
      } catch (RuntimeException e) {
        log.debug("live view message not sent: {}", e.toString());
      }
    }

    @Override
    public void close(CloseCode code, String reason) {
      PtyRoutes.closeIfOpen(ctx, code.code(), reason, log, "a live view socket");
    }

    @Override
    public boolean isOpen() {
      return ctx.session.isOpen();
    }
  }
}
