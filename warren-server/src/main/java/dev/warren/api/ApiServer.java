package dev.warren.api;

import dev.warren.config.Config;
import dev.warren.error.Problem;
import dev.warren.host.DiskSpace;
import dev.warren.http.PublicUrls;
import dev.warren.http.Site;
import dev.warren.net.EgressLog;
import dev.warren.sandbox.SandboxService;
import dev.warren.sandbox.SandboxState;
import io.javalin.Javalin;
import io.javalin.http.Context;
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
 * The HTTP API's route table: routes, health and metrics, with who is calling decided by
 * {@link Callers} and failures answered by {@link Problems}. Thin: every handler translates HTTP to
 * one service call. Virtual threads; {@code close()} is idempotent.
 */
public final class ApiServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ApiServer.class);
  static final long MAX_UPLOAD = 256L * 1024 * 1024;
  /** Largest body read whole (JSON, stdin); file uploads stream and may reach {@link #MAX_UPLOAD}. */
  static final long MAX_JSON = 16L * 1024 * 1024;
  /** Largest request head (request line and headers); more is answered 431. */
  static final int MAX_HEADERS = 16 * 1024;
  private final Javalin app;
  private final dev.warren.stream.LiveStreams streams;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Drain drain = new Drain();
  private final java.time.Duration grace;
  private final DevtoolsRoots devtoolsRoots;
  private final dev.warren.mcp.McpEndpoint mcp;
  private final InetSocketAddress listen;
  private volatile boolean started;

  /** Readiness checks by name; each returns empty when fine, else the problem. */
  public interface Readiness extends Supplier<Map<String, Optional<String>>> {}

  public ApiServer(Config config, ApiTokens tokens, SignedTokens signed, SandboxService sandboxes, dev.warren.shell.ShellService shells,
      dev.warren.browser.BrowserService browsers, dev.warren.stream.LiveStreams streams, EgressLog egressLog, dev.warren.events.Events events,
      dev.warren.audit.Audit audit, PrometheusMeterRegistry metrics, Readiness readiness, Site dashboard, dev.warren.preview.Previews previews,
      dev.warren.computer.DesktopComputer desktops, java.util.Optional<dev.warren.snapshot.SnapshotService> snapshots,
      dev.warren.volume.VolumeService volumes, dev.warren.image.StoredImages images, dev.warren.build.ImageBuilds builds) {
    this.grace = config.shutdownGrace();
    drain.deadline().thenRun(shells::endWaits);
    AccessLog accessLog = new AccessLog(audit, metrics);
    this.streams = streams;
    LiveTokens liveTokens = new LiveTokens(tokens, signed, new PublicUrls(config.publicUrl()));
    TokenSockets sockets = new TokenSockets();
    tokens.onRevoke(sockets::revoked);
    LiveRoutes liveRoutes = new LiveRoutes(browsers, streams.views(), liveTokens);
    HandoffRoutes handoffRoutes = new HandoffRoutes(streams.handoffs(), liveTokens);
    VncRoutes vncRoutes = new VncRoutes(sandboxes, streams.vnc(), liveTokens);
    SandboxRoutes sandboxRoutes = new SandboxRoutes(sandboxes, browsers, config);
    java.util.Optional<SnapshotRoutes> snapshotRoutes = snapshots.map(SnapshotRoutes::new);
    VolumeRoutes volumeRoutes = new VolumeRoutes(volumes);
    ImageRoutes imageRoutes = new ImageRoutes(images, new dev.warren.image.Registry(config.registries()), builds, drain::draining);
    FileRoutes fileRoutes = new FileRoutes(sandboxes, MAX_UPLOAD);
    ShellRoutes shellRoutes = new ShellRoutes(shells, sandboxes, drain, tokens::active);
    AuditRoutes auditRoutes = new AuditRoutes(audit, tokens);
    EventRoutes eventRoutes = new EventRoutes(sandboxes, egressLog, events);
    PtyRoutes ptyRoutes = new PtyRoutes(shells.terminals());
    BrowserRoutes browserRoutes = new BrowserRoutes(browsers, signed, liveTokens, config.browserIdleAction());
    CdpProxy cdpProxy = new CdpProxy(browsers);
    CdpDiscovery cdpDiscovery = new CdpDiscovery(browsers, signed, liveTokens.urls());
    this.devtoolsRoots = new DevtoolsRoots(browsers, cdpDiscovery, liveTokens.urls());
    InetSocketAddress listenOn = config.listen();
    String self = listenOn.getAddress().isAnyLocalAddress() ? "127.0.0.1" : listenOn.getAddress().getHostAddress();
    this.mcp = new dev.warren.mcp.McpEndpoint(() -> java.net.URI.create("http://" + (self.contains(":") ? "[" + self + "]" : self) + ":" + port()),
        dev.warren.Version.CURRENT);
    PreviewRoutes previewRoutes = new PreviewRoutes(sandboxes, previews, liveTokens.urls());
    tokens.onRevoke(id -> previews.proxy().closeTunnels(b -> id.equals(b.minter())));
    ActionRoutes actionRoutes = new ActionRoutes(new dev.warren.browser.BrowserActions(browsers), new dev.warren.browser.BrowserUpload(browsers));
    ComputerRoutes computerRoutes = new ComputerRoutes(desktops,
        new dev.warren.browser.BrowserComputer(browsers), browsers, streams.handoffs());
    metrics.gauge("warren_browser_pool_ready", browsers, b -> b.pooledCount());
    registerPool(metrics, sandboxes.pool());
    metrics.gauge("warren_live_viewers", streams.views(), v -> v.connectedCount());
    for (SandboxState st : SandboxState.values()) {
      metrics.gauge("warren_sandboxes", io.micrometer.core.instrument.Tags.of("state", st.wire()), sandboxes,
          s -> s.list(Map.of(), Optional.of(st)).size());
    }
    DiskSpace disk = DiskSpace.of(config.dataDir());
    Failures failures = new Failures(disk, Failures.describe(config.jdbcUrl()), config.guards().dbTimeout());
    Problems problems = new Problems(failures, MAX_JSON);
    Callers callers = new Callers(tokens, signed, dashboard);
    RequestGuard guard = new RequestGuard(new RateLimiter(config.guards().rateLimit()), disk, config.guards().minFreeSpace(), MAX_UPLOAD,
        failures);
    this.app = Javalin.create(cfg -> {
      cfg.concurrency.useVirtualThreads = true;
      cfg.startup.showJavalinBanner = false;
      cfg.http.maxRequestSize = MAX_JSON;
      cfg.jetty.modifyServer(server -> server.setErrorHandler(new ProblemErrorHandler(MAX_HEADERS)));
      cfg.jetty.modifyServletContextHandler(h -> h.addFilter(new org.eclipse.jetty.ee10.servlet.FilterHolder(previews.filter()), "/*",
          java.util.EnumSet.of(jakarta.servlet.DispatcherType.REQUEST)));
      cfg.jetty.modifyHttpConfiguration(h -> {
        h.setRequestHeaderSize(MAX_HEADERS);
        h.setSendServerVersion(false);
      });
      var r = cfg.routes;
      r.before(ctx -> {
        ctx.attribute(AccessLog.T0, System.nanoTime());
        drain.before(ctx);
        // the dashboard's gate first: its pages need its session (or the token); /v1 calls with its cookie are its own
        ApiTokens.Actor actor = callers.of(ctx);
        ctx.attribute(AccessLog.ACTOR, actor);
        if (actor != null) {
          guard.check(ctx, actor.id());
        }
      });
      r.after(ctx -> {
        try {
          accessLog.after(ctx);
        } finally {
          drain.after(ctx);
        }
      });
      r.get("/healthz", ctx -> Json.send(ctx, 200, Json.object().put("status", "ok")));
      r.get("/readyz", ctx -> ready(ctx, readiness, sandboxes));
      r.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.scrape()));
      previewRoutes.register(r);
      sandboxRoutes.register(r);
      snapshotRoutes.ifPresent(sr -> sr.register(r));
      volumeRoutes.register(r);
      imageRoutes.register(r);
      fileRoutes.register(r);
      shellRoutes.register(r);
      auditRoutes.register(r);
      r.wsBeforeUpgrade("/*", ctx -> {
        ctx.attribute(AccessLog.T0, System.nanoTime());
        ApiTokens.Actor actor = callers.ofUpgrade(ctx);
        ctx.attribute(AccessLog.ACTOR, actor);
        if (actor != null) {
          guard.check(ctx, actor.id());
          ctx.attribute(TokenSockets.MINTER, actor.minter());
          accessLog.upgraded(ctx, routeOf(ctx.path()));
        }
      });
      r.wsAfter(ws -> {
        ws.onConnect(ctx -> {
          drain.opened(ctx);
          sockets.opened(ctx);
        });
        ws.onClose(ctx -> {
          drain.closed(ctx);
          sockets.closed(ctx);
        });
        ws.onError(ctx -> {
          drain.closed(ctx);
          sockets.closed(ctx);
        });
      });
      ptyRoutes.register(r);
      browserRoutes.register(r);
      actionRoutes.register(r);
      computerRoutes.register(r);
      cdpProxy.register(r);
      cdpDiscovery.register(r);
      devtoolsRoots.register(r);
      mcp.register(r);
      liveRoutes.register(r);
      handoffRoutes.register(r);
      vncRoutes.register(r);
      eventRoutes.register(r);
      dashboard.register(r);
      // one mapping by problem for every exception, after the dashboard's own answers (a login page);
      // Javalin answers its own refusals itself unless told otherwise
      io.javalin.http.ExceptionHandler<Exception> answer = (e, ctx) -> {
        if (!dashboard.answered(e, ctx)) {
          problems.answer(e, ctx);
        }
      };
      r.exception(Exception.class, answer);
      r.exception(io.javalin.http.HttpResponseException.class, answer::handle);
      r.error(404, ctx -> {
        String type = ctx.res().getContentType();
        if (type == null || !type.startsWith("application/problem+json")) {
          Json.problem(ctx, Problem.NOT_FOUND, "no route " + ctx.method().name() + " " + ctx.path(), Optional.empty(), Map.of());
        }
      });
      r.error(405, ctx -> Json.problem(ctx, Problem.NOT_FOUND, "method " + ctx.method().name() + " is not allowed on " + ctx.path(),
          Optional.empty(), Map.of()));
    });
    this.listen = config.listen();
  }

  /**
   * Starts listening. The routes are made by the constructor (the larger part of the API's start),
   * which may run beside the rest of the controller's start; nothing is served before this call.
   */
  public void start() {
    app.start(listen.getAddress().getHostAddress(), listen.getPort());
    started = true;
    log.info("API listening on http://{}:{}", listen.getAddress().getHostAddress(), app.port());
    mcp.warmUp();
  }

  /** Every HTTP and WebSocket route registered, as {@code METHOD path} (WebSocket routes as {@code WS path}). */
  public java.util.List<String> routes() {
    java.util.List<String> out = new java.util.ArrayList<>();
    app.unsafe.internalRouter.allHttpHandlers().forEach(h -> out.add(h.endpoint.method.name() + " " + h.endpoint.path));
    app.unsafe.internalRouter.allWsHandlers().forEach(h -> out.add("WS " + h.getPath()));
    return out;
  }

  /** The route of a WebSocket path, ids replaced by their parameter ({@code /v1/sandboxes/{id}/pty}). */
  static String routeOf(String path) {
    return path.replaceAll("/(sbx|brw)_[0-9a-z]{26}", "/{id}").replaceAll("/devtools/[^/]+/[^/]+$", "/devtools/{kind}/{target}");
  }

  private static void ready(Context ctx, Readiness readiness, SandboxService sandboxes) {
    dev.warren.sandbox.SandboxPool pool = sandboxes.pool();
    Map<String, Optional<String>> checks = readiness.get();
    ObjectNode out = Json.object();
    boolean ok = checks.values().stream().allMatch(Optional::isEmpty);
    out.put("status", ok ? "ready" : "not ready");
    ObjectNode c = out.putObject("checks");
    Map<String, String> shown = new LinkedHashMap<>();
    checks.forEach((k, v) -> shown.put(k, v.orElse("ok")));
    shown.forEach(c::put);
    // the runtimes a create may name ("runtime"), each available or why not; WARREN_RUNTIME's is the default
    ObjectNode runtimes = out.putObject("runtimes");
    sandboxes.runtimes().forEach((name, problem) -> {
      ObjectNode r = runtimes.putObject(name).put("available", problem.isEmpty()).put("default", name.equals(sandboxes.runtimeName()));
      problem.ifPresent(p -> r.put("problem", p));
      sandboxes.runtimeAccel(name).ifPresent(a -> r.put("accel", a));
    });
    if (!pool.targets().isEmpty()) {
      // for operators: how full the warm pool is (a pool being refilled is no reason to be not ready)
      ObjectNode p = out.putObject("sandboxPool");
      pool.targets().forEach((image, target) -> p.putObject(image).put("ready", pool.ready(image)).put("target", target));
    }
    Json.send(ctx, ok ? 200 : 503, out);
  }

  /** The warm pool's figures per image: ready and target sandboxes, hand-outs, misses, refills. */
  private static void registerPool(PrometheusMeterRegistry metrics, dev.warren.sandbox.SandboxPool pool) {
    pool.targets().forEach((image, target) -> {
      io.micrometer.core.instrument.Tags tags = io.micrometer.core.instrument.Tags.of("image", image);
      dev.warren.sandbox.SandboxPool.Counters c = pool.counters(image);
      metrics.gauge("warren_sandbox_pool_ready", tags, pool, p -> p.ready(image));
      metrics.gauge("warren_sandbox_pool_target", tags, pool, p -> target);
      io.micrometer.core.instrument.FunctionCounter.builder("warren_sandbox_pool_claims", c, x -> x.claims()).tags(tags)
          .description("creates served from the pool").register(metrics);
      io.micrometer.core.instrument.FunctionCounter.builder("warren_sandbox_pool_misses", c, x -> x.misses()).tags(tags)
          .description("matching creates that found the pool empty (created cold)").register(metrics);
      io.micrometer.core.instrument.FunctionCounter.builder("warren_sandbox_pool_refills", c, x -> x.refills()).tags(tags)
          .description("pooled sandboxes made").register(metrics);
      io.micrometer.core.instrument.FunctionCounter.builder("warren_sandbox_pool_refill_failures", c, x -> x.refillFailures()).tags(tags)
          .description("pooled sandboxes that could not be made").register(metrics);
    });
  }

  public int port() {
    return app.port();
  }

  /** The shutdown signals, for parts that hold long calls or streams of their own. */
  public Drain drain() {
    return drain;
  }

  /**
   * Stops gracefully: no new connections, WebSockets closed with 1001, calls in flight given up to
   * WARREN_SHUTDOWN_GRACE to finish (see {@link Drain}), then the HTTP server stops.
   */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      // viewers hear "shutting down" (1001) and reconnect to the next controller
      streams.close();
      devtoolsRoots.close();
      mcp.close();
      if (!started) {
        return;
      }
      try {
        drain.run(app, grace);
      } catch (RuntimeException e) {
        log.warn("draining the API failed: {}", e.toString());
      }
      app.stop();
    }
  }
}
