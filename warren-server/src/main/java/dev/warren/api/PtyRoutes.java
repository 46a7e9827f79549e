package dev.warren.api;

import dev.warren.error.WarrenException;
import dev.warren.shell.Terminal;
import dev.warren.shell.Terminals;
import io.javalin.config.RoutesConfig;
import io.javalin.websocket.WsContext;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * {@code GET /v1/sandboxes/{id}/pty?cols=&rows=} (WebSocket): an interactive terminal. Binary
 * frames and plain text frames are keystrokes; a text frame {@code {"type":"resize","cols":…,
 * "rows":…}} resizes. The terminal's output arrives as binary frames. Every close carries a code
 * and a reason.
 */
final class PtyRoutes {
  private static final Logger log = LoggerFactory.getLogger(PtyRoutes.class);
  private final Terminals terminals;
  private final Map<String, Terminal> open = new ConcurrentHashMap<>();

  PtyRoutes(Terminals terminals) {
    this.terminals = terminals;
  }

  void register(RoutesConfig r) {
    r.ws("/v1/sandboxes/{id}/pty", ws -> {
      ws.onConnect(ctx -> {
        ctx.session.setIdleTimeout(java.time.Duration.ofMinutes(30));
        ctx.enableAutomaticPings(20, TimeUnit.SECONDS);
        int cols = param(ctx, "cols", 80);
        int rows = param(ctx, "rows", 24);
        try {
          Terminal t = terminals.open(ctx.pathParam("id"), cols, rows,
              bytes -> send(ctx, bytes),
              status -> ctx.closeSession(1000, "shell exited with status " + status));
          open.put(ctx.sessionId(), t);
          if (!ctx.session.isOpen()) {
            // the client went away while the terminal was starting
            open.remove(ctx.sessionId());
            t.close();
          }
        } catch (WarrenException e) {
          ctx.closeSession(e.problem().status() == 404 ? 4404 : e.problem().status() == 409 ? 4409 : 1011, truncate(e.getMessage()));
        } catch (RuntimeException e) {
          log.warn("cannot open a terminal in {}", ctx.pathParam("id"), e);
          ctx.closeSession(1011, truncate("cannot open a terminal: " + e.getMessage()));
        }
      });
      ws.onBinaryMessage(ctx -> {
        ByteBuffer b = ctx.data();
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        input(ctx.sessionId(), ctx, bytes);
      });
      ws.onMessage(ctx -> {
        String m = ctx.message();
        if (m.startsWith("{") && m.contains("\"resize\"")) {
          try {
            JsonNode n = Json.MAPPER.readTree(m);
            Terminal t = open.get(ctx.sessionId());
            if (t != null && n.path("type").asString().equals("resize")) {
              t.resize(Math.max(1, Math.min(1000, n.path("cols").asInt(80))), Math.max(1, Math.min(1000, n.path("rows").asInt(24))));
              return;
            }
          } catch (RuntimeException e) {
            // not a control message: treat it as typed text
          }
        }
        input(ctx.sessionId(), ctx, m.getBytes(StandardCharsets.UTF_8));
      });
      ws.onClose(ctx -> {
        Terminal t = open.remove(ctx.sessionId());
        if (t != null) {
          t.close();
        }
      });
      ws.onError(ctx -> {
        log.debug("terminal socket error: {}", String.valueOf(ctx.error()));
        Terminal t = open.remove(ctx.sessionId());
        if (t != null) {
          t.close();
        }
      });
    });
  }

  private void input(String session, WsContext ctx, byte[] data) {
    Terminal t = open.get(session);
    if (t == null) {
      return;
    }
    try {
      t.write(data);
    } catch (IOException e) {
      ctx.closeSession(1011, "the terminal stopped reading input");
    }
  }

  private static void send(WsContext ctx, byte[] bytes) {
    try {
      if (ctx.session.isOpen()) {
        ctx.send(ByteBuffer.wrap(bytes));
      }
    } catch (RuntimeException e) {
      log.debug("terminal output not sent: {}", e.toString());
    }
  }

  private static int param(WsContext ctx, String name, int dflt) {
    String v = ctx.queryParam(name);
    if (v == null) {
      return dflt;
    }
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  static String truncate(String reason) {
    // a close reason must fit in 123 bytes of UTF-8
    byte[] b = reason.getBytes(StandardCharsets.UTF_8);
    return b.length <= 120 ? reason : new String(b, 0, 117, StandardCharsets.UTF_8) + "...";
  }

  /**
   * Closes a WebSocket with {@code code} and {@code reason} (cut to fit) unless it is closed
   * already. A failure to close is logged at debug level to {@code log}, as closing {@code what}.
   */
  static void closeIfOpen(WsContext ctx, int code, String reason, Logger log, String what) {
    try {
      if (ctx.session.isOpen()) {
        ctx.closeSession(code, truncate(reason));
      }
    } catch (RuntimeException e) {
      log.debug("closing {}: {}", what, e.toString());
    }
  }
}
