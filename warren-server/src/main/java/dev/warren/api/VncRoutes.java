package dev.warren.api;

import dev.warren.error.Ids;
import dev.warren.sandbox.SandboxService;
import dev.warren.stream.CloseCode;
import dev.warren.stream.VncProxy;
import dev.warren.stream.VncSocket;
import io.javalin.config.RoutesConfig;
import io.javalin.websocket.WsContext;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.websocket.api.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code /v1/sandboxes/{id}/vnc?token=} (WebSocket, binary frames of RFB both ways) for noVNC
 * and other VNC-over-WebSocket clients, and {@code POST /v1/sandboxes/{id}/vnc-url} for a signed,
 * short-lived token bound to one sandbox. The socket checks its token itself (a refusal is a close
 * with 4003 and a reason).
 */
final class VncRoutes {
  private static final Logger log = LoggerFactory.getLogger(VncRoutes.class);

  private final SandboxService sandboxes;
  private final VncProxy proxy;
  private final LiveTokens tokens;
  private final Map<String, VncProxy.Link> open = new ConcurrentHashMap<>();

  VncRoutes(SandboxService sandboxes, VncProxy proxy, LiveTokens tokens) {
    this.sandboxes = sandboxes;
    this.proxy = proxy;
    this.tokens = tokens;
  }

  void register(RoutesConfig r) {
    r.post("/v1/sandboxes/{id}/vnc-url", ctx -> {
      Body b = Body.of(ctx, Set.of("ttlSeconds"));
      Duration ttl = b.integer("ttlSeconds", 1, LiveTokens.MAX_TTL_SECONDS).map(Duration::ofSeconds).orElse(LiveTokens.DEFAULT_TTL);
      String id = sandboxes.get(ctx.pathParam("id")).id();
      ObjectNode out = Json.object().put("url", tokens.urls().ws(ctx) + "/v1/sandboxes/" + id + "/vnc?token=" + tokens.issueVnc(ctx, id, ttl))
          .put("expiresAt", Json.time(LiveTokens.expiry(ttl)));
      Json.send(ctx, 201, out);
    });
    r.ws("/v1/sandboxes/{id}/vnc", ws -> {
      ws.onConnect(ctx -> {
        ctx.session.setMaxBinaryMessageSize(16 * 1024 * 1024);
        ctx.session.setIdleTimeout(Duration.ofMinutes(2));
        ctx.enableAutomaticPings(20, TimeUnit.SECONDS);
        Socket socket = new Socket(ctx);
        String id = ctx.pathParam("id");
        LiveTokens.Access access = tokens.vnc(id, LiveTokens.presented(ctx.header("Authorization"), ctx.queryParam("token")));
        if (access.scope().isEmpty()) {
          socket.close(CloseCode.FORBIDDEN, access.problem());
          return;
        }
        if (!Ids.looksLike("sbx", id)) {
          socket.close(CloseCode.GONE, "no sandbox " + id);
          return;
        }
        ctx.attribute(TokenSockets.MINTER, access.minter());
        open.put(ctx.sessionId(), proxy.connect(id, socket));
      });
      ws.onBinaryMessage(ctx -> {
        VncProxy.Link l = open.get(ctx.sessionId());
        if (l != null) {
          proxy.fromViewer(l, ctx.data());
        }
      });
      ws.onClose(ctx -> {
        VncProxy.Link l = open.remove(ctx.sessionId());
        if (l != null) {
          proxy.disconnected(l);
        }
      });
      ws.onError(ctx -> {
        VncProxy.Link l = open.remove(ctx.sessionId());
        if (l != null) {
          proxy.disconnected(l);
        }
      });
    });
  }

  private record Socket(WsContext ctx) implements VncSocket {
    @Override
    public void sendBinary(ByteBuffer data) throws IOException {
      Callback.Completable done = new Callback.Completable();
      ctx.session.sendBinary(data, done);
      try {
        done.get(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while sending to a VNC viewer", e);
      } catch (Exception e) {
        throw new IOException("the VNC viewer does not take data: " + e.getMessage(), e);
      }
    }

    @Override
    public void close(CloseCode code, String reason) {
      PtyRoutes.closeIfOpen(ctx, code.code(), reason, log, "a VNC socket");
    }

    @Override
    public boolean isOpen() {
      return ctx.session.isOpen();
    }
  }
}
