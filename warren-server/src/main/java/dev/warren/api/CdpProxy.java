package dev.warren.api;

import dev.warren.browser.BrowserService;
import dev.warren.browser.ClientClose;
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
 *
 * <p>A session is shared: a client's {@code Browser.close} (Puppeteer's {@code browser.close()})
 * is answered here and closes that client's own targets and contexts and its socket, never
 * Chromium ({@link CdpClientState}, {@link ClientClose}).
 */
final class CdpProxy {
  private static final Logger log = LoggerFactory.getLogger(CdpProxy.class);
  static final int MAX_MESSAGE = 256 * 1024 * 1024;
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

  private final BrowserService browsers;
  private final ClientClose clientClose;
  private final Map<String, Link> links = new ConcurrentHashMap<>();

  /** One client socket and its upstream to Chromium. */
  private static final class Link {
    final String browserId;
    final WsContext client;
    final CdpClientState state = new CdpClientState();
    volatile DevtoolsSocket upstream;

    Link(String browserId, WsContext client) {
      this.browserId = browserId;
      this.client = client;
    }
  }

  CdpProxy(BrowserService browsers) {
    this.browsers = browsers;
    this.clientClose = new ClientClose(browsers);
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
        int status = e.problem().status();
        // 1013: try again later (a session starting, a Chromium being started again)
        close(link, status == 404 ? 4404 : status == 409 ? 4409 : status == 503 ? 1013 : 1011, e.getMessage());
      } catch (IOException | RuntimeException e) {
        close(link, 1011, "cannot reach the browser: " + e.getMessage());
      }
    });
    ws.onMessage(ctx -> {
      Link l = links.get(ctx.sessionId());
      if (l != null && l.upstream != null) {
        browsers.touch(l.browserId);
        Optional<tools.jackson.databind.JsonNode> browserClose = l.state.fromClient(ctx.message());
        if (browserClose.isPresent()) {
          closeClient(l, browserClose.get());
        } else {
          relay(l, () -> l.upstream.sendText(ctx.message()));
        }
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
      if (l != null) {
        left(l);
      }
    });
    ws.onError(ctx -> {
      Link l = links.remove(ctx.sessionId());
      if (l != null && l.upstream != null) {
        l.upstream.abort();
      }
      if (l != null) {
        left(l);
      }
    });
  }

  /**
   * The client's {@code Browser.close}: answered as Chromium would, its socket closed, then its own
   * targets and contexts closed (on a thread of its own: the client need not wait for them).
   */
  private void closeClient(Link l, tools.jackson.databind.JsonNode browserClose) {
    try {
      l.client.send(CdpClientState.answer(browserClose));
    } catch (RuntimeException e) {
      log.debug("answering Browser.close of a client of {}: {}", l.browserId, e.toString());
    }
    close(l, 1000, "Browser.close: this client's pages were closed; the shared browser goes on");
    Thread.ofVirtual().name("cdp-client-close-" + l.browserId).start(() -> clientClose.close(l.browserId, l.state.targets, l.state.contexts));
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
    left(l);
  }

  /** Once the client's DevTools connection has ended: a download behaviour it set went with it, Warren's comes back. */
  private void left(Link l) {
    DevtoolsSocket up = l.upstream;
    if (up != null && l.state.setDownloads && l.state.restoring.compareAndSet(false, true)) {
      up.endedFuture().thenRun(() -> browsers.restoreDownloads(l.browserId));
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
      link.state.fromBrowser(message);
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
