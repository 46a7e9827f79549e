package dev.warren.api;

import dev.warren.browser.BrowserService;
import dev.warren.browser.CdpClient;
import dev.warren.error.WarrenException;
import io.javalin.config.RoutesConfig;
import io.javalin.websocket.WsContext;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CDP proxy: WebSockets {@code /v1/browsers/{id}/cdp} (the browser target) and
 * {@code /v1/browsers/{id}/devtools/{kind}/{target}} (page targets) relayed to the session's
 * Chromium, frame for frame, in both directions. Any number of clients at once; every frame counts
 * as activity. When the session closes or Chromium crashes, its clients are closed with a code and
 * a reason instead of being left hanging.
 */
final class CdpProxy {
  private static final Logger log = LoggerFactory.getLogger(CdpProxy.class);
  static final int MAX_MESSAGE = 256 * 1024 * 1024;

  private final BrowserService browsers;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final Map<String, Link> links = new ConcurrentHashMap<>();

  /** One client socket and its upstream to Chromium. */
  private static final class Link {
    final String browserId;
    final WsContext client;
    volatile WebSocket upstream;

    Link(String browserId, WsContext client) {
      this.browserId = browserId;
      this.client = client;
    }
  }

  CdpProxy(BrowserService browsers) {
    this.browsers = browsers;
    browsers.onClose(id -> links.values().stream().filter(l -> l.browserId.equals(id)).forEach(l -> close(l, 1011,
        "browser session " + id + " " + browsers.get(id).state().wire() + browsers.get(id).stateReason().map(r -> ": " + r).orElse(""))));
  }

  void register(RoutesConfig r) {
    r.ws("/v1/browsers/{id}/cdp", ws -> configure(ws, ctx -> null));
    r.ws("/v1/browsers/{id}/devtools/{kind}/{target}", ws -> configure(ws, ctx -> "/devtools/" + ctx.pathParam("kind") + "/" + ctx.pathParam("target")));
  }

  private void configure(io.javalin.websocket.WsConfig ws, java.util.function.Function<WsContext, String> path) {
    ws.onConnect(ctx -> {
      ctx.session.setMaxTextMessageSize(MAX_MESSAGE);
      ctx.session.setMaxBinaryMessageSize(MAX_MESSAGE);
      ctx.session.setIdleTimeout(Duration.ofHours(2));
      String id = ctx.pathParam("id");
      Link link = new Link(id, ctx);
      links.put(ctx.sessionId(), link);
      try {
        long t0 = System.nanoTime();
        BrowserService.Target t = browsers.connectTarget(id);
        long t1 = System.nanoTime();
        String p = path.apply(ctx);
        if (p != null && !Set.of("page", "browser", "worker", "service_worker", "shared_worker", "iframe", "other").contains(ctx.pathParam("kind"))) {
          throw WarrenException.invalid("kind", "unknown DevTools target kind");
        }
        URI up = URI.create("ws://" + t.address() + ":" + t.port() + (p == null ? t.browserPath() : p));
        link.upstream = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5)).buildAsync(up, new Upstream(link))
            .get(10, TimeUnit.SECONDS);
        log.debug("CDP link to {}: target {} ms, upstream connect {} ms", id, (t1 - t0) / 1_000_000, (System.nanoTime() - t1) / 1_000_000);
      } catch (WarrenException e) {
        close(link, e.problem().status() == 404 ? 4404 : e.problem().status() == 409 ? 4409 : 1011, e.getMessage());
      } catch (Exception e) {
        close(link, 1011, "cannot reach the browser: " + e.getMessage());
      }
    });
    ws.onMessage(ctx -> {
      Link l = links.get(ctx.sessionId());
      if (l != null && l.upstream != null) {
        browsers.touch(l.browserId);
        l.upstream.sendText(ctx.message(), true).join();
      }
    });
    ws.onBinaryMessage(ctx -> {
      Link l = links.get(ctx.sessionId());
      if (l != null && l.upstream != null) {
        browsers.touch(l.browserId);
        l.upstream.sendBinary(ctx.data(), true).join();
      }
    });
    ws.onClose(ctx -> {
      Link l = links.remove(ctx.sessionId());
      if (l != null && l.upstream != null) {
        l.upstream.sendClose(WebSocket.NORMAL_CLOSURE, "client closed").whenComplete((w, e) -> CdpClient.abortSoon(l.upstream));
      }
    });
    ws.onError(ctx -> {
      Link l = links.remove(ctx.sessionId());
      if (l != null && l.upstream != null) {
        l.upstream.abort();
      }
    });
  }

  private void close(Link l, int code, String reason) {
    links.remove(l.client.sessionId());
    PtyRoutes.closeIfOpen(l.client, code, reason, log, "a CDP client");
    if (l.upstream != null) {
      l.upstream.abort();
    }
  }

  /** Chromium's side: frames go to the client as they complete. */
  private final class Upstream implements WebSocket.Listener {
    private final Link link;
    private final StringBuilder text = new StringBuilder();

    Upstream(Link link) {
      this.link = link;
    }

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      text.append(data);
      if (last) {
        String m = text.toString();
        text.setLength(0);
        browsers.touch(link.browserId);
        try {
          link.client.send(m);
        } catch (RuntimeException e) {
          ws.abort();
        }
      }
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
      link.client.send(data);
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
      close(link, 1011, "the browser closed the DevTools connection (" + code + (reason.isEmpty() ? "" : " " + reason) + ")");
      return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
      close(link, 1011, "DevTools connection failed: " + error.getMessage());
    }
  }
}
