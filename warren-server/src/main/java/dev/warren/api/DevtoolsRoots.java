package dev.warren.api;

import dev.warren.http.PublicUrls;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.warren.browser.BrowserService;
import dev.warren.error.Problem;
import dev.warren.error.WarrenException;
import dev.warren.host.LoopbackPeers;
import io.javalin.http.Context;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A browser session's DevTools root on a loopback port of its own, for CDP clients that take only a
 * root URL and fetch {@code /json/version} there, dropping any path and query (Puppeteer's {@code
 * browserURL}, {@code chrome-remote-interface}'s host and port). It answers what {@link
 * CdpDiscovery} answers, debugger URLs pointing at the API's CDP proxy with a signed token.
 *
 * <p>The door's lock: the port listens on 127.0.0.1 only, and answers only connections from
 * processes of the uid that asked for it through the API ({@link LoopbackPeers}); anyone else is
 * refused with 403 before anything is read from the browser. A caller that is not on Warren's host
 * gets no port (403: it could not reach one). A port lives until its session is closed, and
 * answers 403 once the API token that asked for it is revoked. One port per session, uid and
 * token, made on the first ask. Thread-safe: the map is concurrent and each server
 * answers on virtual threads.
 */
final class DevtoolsRoots implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DevtoolsRoots.class);

  private final BrowserService browsers;
  private final CdpDiscovery discovery;
  private final PublicUrls urls;
  private final Map<String, Root> roots = new ConcurrentHashMap<>();

  private record Root(String browserId, int uid, String minter, HttpServer server) {}

  DevtoolsRoots(BrowserService browsers, CdpDiscovery discovery, PublicUrls urls) {
    this.browsers = browsers;
    this.discovery = discovery;
    this.urls = urls;
    browsers.onClose(id -> {
      if (!browsers.get(id).state().live()) {
        roots.values().removeIf(r -> r.browserId().equals(id) && stop(r));
      }
    });
  }

  void register(io.javalin.config.RoutesConfig r) {
    r.post("/v1/browsers/{id}/devtools-root", ctx -> {
      String id = ctx.pathParam("id");
      int port = open(id, callerUid(ctx), urls.ws(ctx), LiveTokens.minter(ctx));
      String url = "http://127.0.0.1:" + port;
      Json.send(ctx, 200, Json.object().put("browserUrl", url).put("port", port));
    });
  }

  private static int callerUid(Context ctx) {
    InetSocketAddress peer = new InetSocketAddress(ctx.req().getRemoteAddr(), ctx.req().getRemotePort());
    InetSocketAddress local = new InetSocketAddress(ctx.req().getLocalAddr(), ctx.req().getLocalPort());
    OptionalInt uid = LoopbackPeers.uid(peer, local);
    if (uid.isEmpty()) {
      throw new WarrenException(Problem.FORBIDDEN, "a DevTools root port serves clients on Warren's own host, and this call came from "
          + ctx.req().getRemoteAddr() + "; use cdpUrl, or cdpHttpUrl with the token (docs/api.md)");
    }
    return uid.getAsInt();
  }

  /**
   * The port of the session's root for {@code uid} answering for the API token {@code minter}
   * (what it hands out dies with that token), opened now if there is none.
   */
  int open(String browserId, int uid, String wsBase, String minter) throws IOException {
    if (!browsers.get(browserId).state().live()) {
      throw new WarrenException(Problem.CONFLICT, "browser session " + browserId + " is " + browsers.get(browserId).state().wire());
    }
    String key = browserId + "/" + uid + "/" + minter;
    Root existing = roots.get(key);
    if (existing != null) {
      return existing.server().getAddress().getPort();
    }
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/", ex -> answer(ex, browserId, uid, wsBase, minter));
    Root root = new Root(browserId, uid, minter, server);
    Root raced = roots.putIfAbsent(key, root);
    if (raced != null) {
      server.stop(0);
      return raced.server().getAddress().getPort();
    }
    server.start();
    log.info("DevTools root of {} for uid {} on 127.0.0.1:{}", browserId, uid, server.getAddress().getPort());
    return server.getAddress().getPort();
  }

  private void answer(HttpExchange ex, String browserId, int uid, String wsBase, String minter) throws IOException {
    try (ex) {
      OptionalInt peer = LoopbackPeers.uid(ex.getRemoteAddress(), ex.getLocalAddress());
      if (peer.isEmpty() || peer.getAsInt() != uid) {
        reply(ex, 403, "text/plain; charset=utf-8", ("this DevTools root of " + browserId + " answers uid " + uid + " only\n")
            .getBytes(StandardCharsets.UTF_8));
        return;
      }
      if (!discovery.active(minter)) {
        reply(ex, 403, "text/plain; charset=utf-8", (LiveTokens.REVOKED + "\n").getBytes(StandardCharsets.UTF_8));
        return;
      }
      CdpDiscovery.Reply r;
      try {
        r = discovery.answer(browserId, ex.getRequestMethod(), ex.getRequestURI().getRawPath(), ex.getRequestURI().getRawQuery(), wsBase, minter);
      } catch (WarrenException e) {
        r = new CdpDiscovery.Reply(e.problem().status(), "text/plain; charset=utf-8", (e.getMessage() + "\n").getBytes(StandardCharsets.UTF_8));
      }
      reply(ex, r.status(), r.contentType(), r.body());
    }
  }

  private static void reply(HttpExchange ex, int status, String type, byte[] body) throws IOException {
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    ex.getResponseBody().write(body);
  }

  private static boolean stop(Root r) {
    r.server().stop(0);
    return true;
  }

  @Override
  public void close() {
    roots.values().removeIf(DevtoolsRoots::stop);
  }
}
