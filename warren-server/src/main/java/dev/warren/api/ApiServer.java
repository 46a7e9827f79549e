package dev.warren.api;

import dev.warren.config.Config;
import dev.warren.error.Problem;
import dev.warren.error.WarrenException;
import dev.warren.net.EgressLog;
import dev.warren.sandbox.SandboxService;
import dev.warren.sandbox.SandboxState;
import dev.warren.store.StoreException;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The HTTP API: routes, bearer-token auth, RFC 9457 problems, health and metrics. Thin: every
 * handler translates HTTP to one service call. Virtual threads; {@code close()} is idempotent.
 */
public final class ApiServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ApiServer.class);
  private static final Logger access = LoggerFactory.getLogger("access");
  static final long MAX_UPLOAD = 256L * 1024 * 1024;

  private final Javalin app;
  private final dev.warren.stream.LiveStreams streams;
  private final AtomicBoolean closed = new AtomicBoolean();

  /** Readiness checks by name; each returns empty when fine, else the problem. */
  public interface Readiness extends Supplier<Map<String, Optional<String>>> {}

  private static final java.util.regex.Pattern BROWSER_PATH =
      java.util.regex.Pattern.compile("^/v1/browsers/(brw_[0-9a-z]{26})/(cdp|devtools/.+|json(/.*)?)$");
  /** WebSockets that check their token themselves, to refuse with a close code and a reason. */
  private static final java.util.regex.Pattern SELF_CHECKED =
      java.util.regex.Pattern.compile("^/v1/(browsers/brw_[0-9a-z]{26}/live|sandboxes/sbx_[0-9a-z]{26}/vnc)$");
  /** What a live page with a control token may do besides its WebSocket: look at and hand back a handoff. */
  private static final java.util.regex.Pattern HANDOFF_PATH =
      java.util.regex.Pattern.compile("^/v1/browsers/(brw_[0-9a-z]{26})/handoffs/hnd_[0-9a-z]{26}(/complete)?$");

  public ApiServer(Config config, Tokens tokens, SignedTokens signed, SandboxService sandboxes, dev.warren.shell.ShellService shells,
      dev.warren.browser.BrowserService browsers, dev.warren.stream.LiveStreams streams, EgressLog egressLog, dev.warren.events.Events events,
      PrometheusMeterRegistry metrics, Readiness readiness) {
    this.streams = streams;
    LiveTokens liveTokens = new LiveTokens(tokens, signed);
    LiveRoutes liveRoutes = new LiveRoutes(browsers, streams.views(), liveTokens);
    HandoffRoutes handoffRoutes = new HandoffRoutes(streams.handoffs(), liveTokens);
    VncRoutes vncRoutes = new VncRoutes(sandboxes, streams.vnc(), liveTokens);
    SandboxRoutes sandboxRoutes = new SandboxRoutes(sandboxes, config);
    FileRoutes fileRoutes = new FileRoutes(sandboxes, MAX_UPLOAD);
    ShellRoutes shellRoutes = new ShellRoutes(shells);
    PtyRoutes ptyRoutes = new PtyRoutes(shells.terminals());
    BrowserRoutes browserRoutes = new BrowserRoutes(browsers, signed, liveTokens);
    CdpProxy cdpProxy = new CdpProxy(browsers);
    ActionRoutes actionRoutes = new ActionRoutes(new dev.warren.browser.BrowserActions(browsers));
    metrics.gauge("warren_browser_pool_ready", browsers, b -> b.pooledCount());
    metrics.gauge("warren_live_viewers", streams.views(), v -> v.connectedCount());
    for (SandboxState st : SandboxState.values()) {
      metrics.gauge("warren_sandboxes", io.micrometer.core.instrument.Tags.of("state", st.wire()), sandboxes,
          s -> s.list(Map.of(), Optional.of(st)).size());
    }
    this.app = Javalin.create(cfg -> {
      cfg.concurrency.useVirtualThreads = true;
      cfg.startup.showJavalinBanner = false;
      cfg.http.maxRequestSize = 16L * 1024 * 1024;
      cfg.jetty.modifyHttpConfiguration(h -> {
        h.setRequestHeaderSize(16 * 1024);
        h.setSendServerVersion(false);
      });
      var r = cfg.routes;
      r.before(ctx -> {
        ctx.attribute("t0", System.nanoTime());
        authorize(tokens, signed, ctx.path(), ctx.header("Authorization"), ctx.queryParam("token"));
      });
      r.after(ctx -> {
        Object t0 = ctx.attribute("t0");
        long nanos = t0 == null ? 0 : System.nanoTime() - (long) t0;
        var matched = ctx.endpoints().matchedHttpEndpoint();
        String route = matched == null ? "unmatched" : matched.path;
        Timer.builder("warren_http_requests").tag("method", ctx.method().name()).tag("route", route)
            .tag("status", Integer.toString(ctx.statusCode())).register(metrics).record(java.time.Duration.ofNanos(nanos));
        access.info("{} {} {} {}ms", ctx.method().name(), ctx.path(), ctx.statusCode(), nanos / 1_000_000);
      });
      r.get("/healthz", ctx -> Json.send(ctx, 200, Json.object().put("status", "ok")));
      r.get("/readyz", ctx -> ready(ctx, readiness));
      r.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.scrape()));
      sandboxRoutes.register(r);
      fileRoutes.register(r);
      shellRoutes.register(r);
      r.wsBeforeUpgrade("/v1/*", ctx -> authorize(tokens, signed, ctx.path(), ctx.header("Authorization"), ctx.queryParam("token")));
      ptyRoutes.register(r);
      browserRoutes.register(r);
      actionRoutes.register(r);
      cdpProxy.register(r);
      liveRoutes.register(r);
      handoffRoutes.register(r);
      vncRoutes.register(r);
      r.get("/v1/sandboxes/{id}/egress", ctx -> {
        String id = sandboxes.get(ctx.pathParam("id")).id();
        int limit = Optional.ofNullable(ctx.queryParam("limit")).map(ApiServer::limit).orElse(100);
        ObjectNode out = Json.object();
        var arr = out.putArray("events");
        for (var e : egressLog.forSandbox(id, limit)) {
          arr.addObject().put("host", e.host()).put("port", e.port()).put("method", e.method()).put("allowed", e.allowed())
              .put("reason", e.reason().orElse(null)).put("viaUpstream", e.viaUpstream()).put("bytesOut", e.bytesOut())
              .put("bytesIn", e.bytesIn()).put("startedAt", e.startedAt().toString()).put("durationMs", e.duration().toMillis());
        }
        Json.send(ctx, 200, out);
      });
      r.get("/v1/events", ctx -> {
        int limit = Optional.ofNullable(ctx.queryParam("limit")).map(ApiServer::limit).orElse(100);
        ObjectNode out = Json.object();
        var arr = out.putArray("events");
        for (var e : events.list(Optional.ofNullable(ctx.queryParam("subject")), limit)) {
          arr.addObject().put("id", e.id()).put("at", e.at().toString()).put("kind", e.kind()).put("subject", e.subject().orElse(null))
              .put("detail", e.detail());
        }
        Json.send(ctx, 200, out);
      });
      r.exception(WarrenException.class, (e, ctx) -> Json.problem(ctx, e.problem(), e.getMessage(), e.field(), e.extra()));
      r.exception(StoreException.class, (e, ctx) -> {
        log.warn("store unavailable: {}", e.getMessage());
        Json.problem(ctx, Problem.UNAVAILABLE, "the store is unavailable: " + e.getMessage(), Optional.empty(), Map.of());
      });
      r.exception(org.jdbi.v3.core.JdbiException.class, (e, ctx) -> {
        log.warn("store error on {} {}: {}", ctx.method(), ctx.path(), e.getMessage());
        Json.problem(ctx, Problem.UNAVAILABLE, "the store is unavailable: " + rootMessage(e), Optional.empty(), Map.of());
      });
      r.exception(Exception.class, (e, ctx) -> {
        String ref = dev.warren.error.Ids.next("err");
        log.error("unexpected error {} on {} {}", ref, ctx.method(), ctx.path(), e);
        Json.problem(ctx, Problem.INTERNAL, "unexpected error; see the server log for " + ref, Optional.empty(), Map.of());
      });
      r.error(404, ctx -> {
        String type = ctx.res().getContentType();
        if (type == null || !type.startsWith("application/problem+json")) {
          Json.problem(ctx, Problem.NOT_FOUND, "no route " + ctx.method().name() + " " + ctx.path(), Optional.empty(), Map.of());
        }
      });
      r.error(405, ctx -> Json.problem(ctx, Problem.NOT_FOUND, "method " + ctx.method().name() + " is not allowed on " + ctx.path(),
          Optional.empty(), Map.of()));
    });
    InetSocketAddress listen = config.listen();
    app.start(listen.getAddress().getHostAddress(), listen.getPort());
    log.info("API listening on http://{}:{}", listen.getAddress().getHostAddress(), app.port());
  }

  /**
   * Every /v1 call needs the API token (Authorization: Bearer, or ?token= for clients that cannot
   * send headers); a browser's CDP and DevTools endpoints also take a signed {@code cdp} token bound
   * to it, and a handoff of it a {@code live-control} token. The live-view and VNC WebSockets check
   * their tokens themselves.
   */
  static void authorize(Tokens tokens, SignedTokens signed, String path, String authorization, String queryToken) {
    if (!path.startsWith("/v1/") && !path.equals("/v1")) {
      return;
    }
    String token = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
        ? authorization.substring(7).strip() : queryToken;
    if (tokens.matches(token)) {
      return;
    }
    if (SELF_CHECKED.matcher(path).matches()) {
      return;
    }
    java.util.regex.Matcher m = BROWSER_PATH.matcher(path);
    if (token != null && m.matches()) {
      if (signed.valid(token, "cdp", m.group(1))) {
        return;
      }
      throw new WarrenException(Problem.FORBIDDEN, "the token is not valid for browser session " + m.group(1) + " (wrong session or expired)");
    }
    java.util.regex.Matcher h = HANDOFF_PATH.matcher(path);
    if (token != null && h.matches()) {
      if (signed.valid(token, LiveTokens.CONTROL, h.group(1))) {
        return;
      }
      throw new WarrenException(Problem.FORBIDDEN, "the token is not valid for the handoffs of browser session " + h.group(1)
          + " (a live view token that grants control is needed, and it may have expired)");
    }
    throw new WarrenException(Problem.UNAUTHORIZED, token == null
        ? "missing Authorization: Bearer <token> header (the token is in $WARREN_DATA/token)"
        : "the token is not valid");
  }

  private static int limit(String s) {
    try {
      int n = Integer.parseInt(s);
      if (n < 1 || n > 1000) {
        throw WarrenException.invalid("limit", "limit must be between 1 and 1000");
      }
      return n;
    } catch (NumberFormatException e) {
      throw WarrenException.invalid("limit", "limit must be a number");
    }
  }

  private static String rootMessage(Throwable t) {
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t.getMessage();
  }

  private static void ready(Context ctx, Readiness readiness) {
    Map<String, Optional<String>> checks = readiness.get();
    ObjectNode out = Json.object();
    boolean ok = checks.values().stream().allMatch(Optional::isEmpty);
    out.put("status", ok ? "ready" : "not ready");
    ObjectNode c = out.putObject("checks");
    Map<String, String> shown = new LinkedHashMap<>();
    checks.forEach((k, v) -> shown.put(k, v.orElse("ok")));
    shown.forEach(c::put);
    Json.send(ctx, ok ? 200 : 503, out);
  }

  public int port() {
    return app.port();
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      // viewers hear "shutting down" (1001) and reconnect to the next controller
      streams.close();
      app.stop();
    }
  }
}
