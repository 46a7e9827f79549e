package dev.warren.api;

import dev.warren.browser.BrowserService;
import dev.warren.browser.DevtoolsSocket;
import dev.warren.error.WarrenException;
import io.javalin.config.RoutesConfig;
import io.javalin.websocket.WsContext;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CDP proxy: WebSockets {@code /v1/browsers/{id}/cdp} (the browser target) and
 * {@code /v1/browsers/{id}/devtools/{kind}/{target}} (page targets) relayed to the session's
 * Chromium, frame for frame, in both directions, over a DevTools connection the controller opens
 * inside the browser's sandbox (clients' Origin and headers are not passed on). Any number of
 * clients at once; every frame counts as activity. When the session closes or Chromium crashes,
 * its clients are closed with a code and a reason instead of being left hanging. Frames from
 * Chromium are sent to the client on the DevTools connection's reader thread; frames from the
 * client are written to Chromium on the thread Javalin delivers them on.
 */
final class CdpProxy {
  private static final Logger log = LoggerFactory.getLogger(CdpProxy.class);
  static final int MAX_MESSAGE = 256 * 1024 * 1024;
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

  private final BrowserService browsers;
  private final Map<String, Link> links = new ConcurrentHashMap<>();

  /** One client socket and its upstream to Chromium. */
  private static final class Link {
    final String browserId;
    final WsContext client;
    volatile DevtoolsSocket upstream;

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
        String p = path.apply(ctx);
        if (p != null && !Set.of("page", "browser", "worker", "service_worker", "shared_worker", "iframe", "other").contains(ctx.pathParam("kind"))) {
          throw WarrenException.invalid("kind", "unknown DevTools target kind");
        }
        link.upstream = browsers.devtools(id, Optional.ofNullable(p), CONNECT_TIMEOUT, MAX_MESSAGE, new Upstream(link));
        log.debug("CDP link to {}: connected in {} ms", id, (System.nanoTime() - t0) / 1_000_000);
        if (!links.containsKey(ctx.sessionId())) {
          // the client left (or the session closed) while the upstream was opening
          link.upstream.close(1000, "client closed");
        }
      } catch (WarrenException e) {
        close(link, e.problem().status() == 404 ? 4404 : e.problem().status() == 409 ? 4409 : 1011, e.getMessage());
      } catch (IOException | RuntimeException e) {
        close(link, 1011, "cannot reach the browser: " + e.getMessage());
      }
    });
    ws.onMessage(ctx -> {
      Link l = links.get(ctx.sessionId());
      if (l != null && l.upstream != null) {
        browsers.touch(l.browserId);
        relay(l, () -> l.upstream.sendText(ctx.message()));
      }
    });
    ws.onBinaryMessage(ctx -> {
      Link l = links.get(ctx.sessionId());
      if (l != null && l.upstream != null) {
        browsers.touch(l.browserId);
        relay(l, () -> l.upstream.sendBinary(ctx.data()));
      }
    });
    ws.onClose(ctx -> {
      Link l = links.remove(ctx.sessionId());
      if (l != null && l.upstream != null) {
        l.upstream.close(1000, "client closed");
      }
    });
    ws.onError(ctx -> {
      Link l = links.remove(ctx.sessionId());
      if (l != null && l.upstream != null) {
        l.upstream.abort();
      }
    });
  }

  private interface Send {
    void run() throws IOException;
  }

  private void relay(Link l, Send send) {
    try {
      send.run();
    } catch (IOException e) {
      close(l, 1011, "cannot write to the browser's DevTools: " + e.getMessage());
    }
  }

  private void close(Link l, int code, String reason) {
    links.remove(l.client.sessionId());
    PtyRoutes.closeIfOpen(l.client, code, reason, log, "a CDP client");
    DevtoolsSocket up = l.upstream;
    if (up != null) {
      up.abort();
    }
  }

  /** Chromium's side: whole messages go to the client as they arrive. */
  private final class Upstream implements DevtoolsSocket.Listener {
    private final Link link;

    Upstream(Link link) {
      this.link = link;
    }

    @Override
    public void text(String message) {
      browsers.touch(link.browserId);
      try {
        link.client.send(message);
      } catch (RuntimeException e) {
        close(link, 1011, "cannot send to the client: " + e.getMessage());
      }
    }

    @Override
    public void binary(ByteBuffer message) {
      try {
        link.client.send(message);
      } catch (RuntimeException e) {
        close(link, 1011, "cannot send to the client: " + e.getMessage());
      }
    }

    @Override
    public void closed(int code, String reason) {
      if (links.containsKey(link.client.sessionId())) {
        close(link, 1011, "the browser closed the DevTools connection (" + code + (reason.isEmpty() ? "" : " " + reason) + ")");
      }
    }
  }
}
