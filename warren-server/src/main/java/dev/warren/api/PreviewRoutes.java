package dev.warren.api;

import dev.warren.error.Problem;
import dev.warren.error.WarrenException;
import dev.warren.http.PublicUrls;
import dev.warren.preview.ListeningPorts;
import dev.warren.preview.PreviewFilter;
import dev.warren.preview.PreviewHosts;
import dev.warren.preview.PreviewProxy;
import dev.warren.preview.PreviewUrl;
import dev.warren.preview.PreviewUrls;
import dev.warren.preview.Previews;
import dev.warren.preview.Tunnel;
import dev.warren.sandbox.SandboxService;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import tools.jackson.databind.node.ObjectNode;

/**
 * Preview doors of a sandbox's ports. {@code GET /v1/sandboxes/{id}/ports} lists what listens in it;
 * {@code /v1/sandboxes/{id}/ports/{port}/…} proxies with the
 * caller's API token; {@code POST|GET /v1/sandboxes/{id}/ports/{port}/url} and {@code DELETE …/url/{urlId}}
 * mint, list and revoke shareable URLs, served at {@code /v1/previews/{secret}/…} and, with a
 * preview domain, on the port's own host (the secret presented once as {@code ?warren_preview=},
 * then kept in a host-only cookie). Thin: every handler checks who may open the door and hands the
 * request to {@link PreviewProxy}.
 */
final class PreviewRoutes {
  static final String PREVIEWS = "/v1/previews/";
  /** Query parameter and cookie carrying a preview URL's secret on a preview host. */
  static final String SECRET_PARAM = "warren_preview";
  private static final HandlerType[] METHODS = {HandlerType.GET, HandlerType.POST, HandlerType.PUT, HandlerType.PATCH, HandlerType.DELETE,
      HandlerType.HEAD, HandlerType.OPTIONS};

  private final SandboxService sandboxes;
  private final PreviewUrls urls;
  private final PreviewProxy proxy;
  private final PreviewHosts hosts;
  private final PublicUrls publicUrls;
  private final ListeningPorts listening;

  PreviewRoutes(SandboxService sandboxes, Previews previews, PublicUrls publicUrls) {
    this.sandboxes = sandboxes;
    this.urls = previews.urls();
    this.proxy = previews.proxy();
    this.hosts = previews.hosts();
    this.publicUrls = publicUrls;
    this.listening = new ListeningPorts(sandboxes);
  }

  void register(RoutesConfig r) {
    // its own path: /ports has no {port} segment, so the doors below never match it
    r.get("/v1/sandboxes/{id}/ports", this::listening);
    r.post("/v1/sandboxes/{id}/ports/{port}/url", this::mint);
    r.get("/v1/sandboxes/{id}/ports/{port}/url", ctx -> {
      String id = sandboxes.get(ctx.pathParam("id")).id();
      int port = port(ctx.pathParam("port"));
      var list = Json.MAPPER.createArrayNode();
      urls.list(id, port).forEach(u -> list.add(json(u)));
      Json.send(ctx, 200, Json.object().set("urls", list));
    });
    r.delete("/v1/sandboxes/{id}/ports/{port}/url/{urlId}", ctx -> {
      String id = sandboxes.get(ctx.pathParam("id")).id();
      int port = port(ctx.pathParam("port"));
      String urlId = ctx.pathParam("urlId");
      urls.revoke(id, port, urlId);
      proxy.closeTunnels(b -> urlId.equals(b.urlId()));
      ctx.status(204);
    });
    all(r, "/v1/sandboxes/{id}/ports/{port}", this::byToken);
    all(r, PREVIEWS + "{secret}", this::byUrl);
    all(r, PreviewFilter.HOST_PATH + "{id}/{port}", this::byHost);
  }

  private static void all(RoutesConfig r, String path, Handler h) {
    for (HandlerType m : METHODS) {
      r.addHttpHandler(m, path, h);
      r.addHttpHandler(m, path + "/<tail>", h);
    }
  }

  private void listening(Context ctx) {
    String id = ctx.pathParam("id");
    var list = Json.MAPPER.createArrayNode();
    for (ListeningPorts.Port p : listening.of(id)) {
      ObjectNode o = list.addObject().put("port", p.port()).put("address", p.address()).put("family", p.family())
          .put("path", "/v1/sandboxes/" + id + "/ports/" + p.port() + "/").put("warren", p.warren().isPresent());
      p.warren().ifPresent(w -> o.put("service", w));
    }
    Json.send(ctx, 200, Json.object().set("ports", list));
  }

  private void mint(Context ctx) {
    Body b = Body.of(ctx, Set.of("ttlSeconds", "access"));
    dev.warren.sandbox.Sandbox s = sandboxes.get(ctx.pathParam("id"));
    String id = s.id();
    int port = port(ctx.pathParam("port"));
    PreviewProxy.requireAppPort(s, port);
    Duration ttl = b.integer("ttlSeconds", 1, PreviewUrls.MAX_TTL.toSeconds()).map(Duration::ofSeconds).orElse(PreviewUrls.DEFAULT_TTL);
    String a = b.string("access").orElse("token");
    PreviewUrl.Access access = PreviewUrl.Access.of(a)
        .orElseThrow(() -> WarrenException.invalid("access", "access must be \"public\" (anyone with the URL) or \"token\" (the URL and an "
            + "API token), got \"" + a + "\""));
    PreviewUrls.Minted m = urls.mint(id, port, access, ttl, minter(ctx));
    ObjectNode out = json(m.url()).put("url", publicUrls.http(ctx) + PREVIEWS + m.secret() + "/");
    hosts.origin(PublicUrls.secure(ctx) || publicUrls.http(ctx).startsWith("https:") ? "https" : "http", id, port)
        .ifPresent(o -> out.put("hostUrl", o + "/?" + SECRET_PARAM + "=" + m.secret()));
    Json.send(ctx, 201, out);
  }

  private static ObjectNode json(PreviewUrl u) {
    return Json.object().put("id", u.id()).put("sandboxId", u.sandboxId()).put("port", u.port()).put("access", u.access().wire())
        .put("createdAt", Json.time(u.createdAt())).put("createdBy", u.createdBy()).put("expiresAt", Json.time(u.expiresAt()));
  }

  /** The API token's own door: whoever may call the API may open every port of a sandbox. */
  private void byToken(Context ctx) throws Exception {
    String id = ctx.pathParam("id");
    int port = port(ctx.pathParam("port"));
    String prefix = "/v1/sandboxes/" + id + "/ports/" + ctx.pathParam("port");
    serve(ctx, target(ctx, id, port, prefix, publicPath(ctx) + prefix), new Tunnel.Binding(id, port, null, minter(ctx)));
  }

  /** A minted URL: its secret opens its own sandbox port only; a {@code token} URL also needs an API token. */
  private void byUrl(Context ctx) throws Exception {
    String secret = ctx.pathParam("secret");
    PreviewUrl u = open(secret, ctx);
    String prefix = PREVIEWS + secret;
    serve(ctx, target(ctx, u.sandboxId(), u.port(), prefix, publicPath(ctx) + prefix),
        new Tunnel.Binding(u.sandboxId(), u.port(), u.id(), u.createdBy()));
  }

  /**
   * A preview host: an API token opens it as the token's own door does; else a minted URL's secret,
   * presented once as {@code ?warren_preview=} (answered with a host-only cookie and a redirect
   * without it) and then as that cookie. Reached only through {@link PreviewFilter}'s mark.
   */
  private void byHost(Context ctx) throws Exception {
    PreviewHosts.Port host = ctx.attribute(PreviewFilter.VIA_HOST);
    if (host == null) {
      throw new WarrenException(Problem.NOT_FOUND, "no route " + ctx.method().name() + " " + ctx.path());
    }
    String prefix = PreviewFilter.HOST_PATH + host.sandboxId() + "/" + host.port();
    String given = ctx.queryParam(SECRET_PARAM);
    if (given != null) {
      PreviewUrl u = open(given, ctx);
      requireSame(u, host);
      long maxAge = Math.max(1, Duration.between(java.time.Instant.now(), u.expiresAt()).toSeconds());
      ctx.header("Set-Cookie", SECRET_PARAM + "=" + given + "; Path=/; HttpOnly; SameSite=Lax; Max-Age=" + maxAge
          + (PublicUrls.secure(ctx) ? "; Secure" : ""));
      ctx.header("Location", withoutSecret(ctx.path().substring(prefix.length()), ctx.queryString()));
      ctx.status(303);
      return;
    }
    ApiTokens.Actor actor = ctx.attribute(AccessLog.ACTOR);
    String cookie = ctx.cookie(SECRET_PARAM);
    Tunnel.Binding binding;
    if (actor != null && cookie == null) {
      binding = new Tunnel.Binding(host.sandboxId(), host.port(), null, actor.minter());
    } else if (cookie != null) {
      PreviewUrl u = open(cookie, ctx);
      requireSame(u, host);
      binding = new Tunnel.Binding(u.sandboxId(), u.port(), u.id(), u.createdBy());
    } else {
      throw new WarrenException(Problem.UNAUTHORIZED, "this preview needs a preview URL (POST /v1/sandboxes/" + host.sandboxId() + "/ports/"
          + host.port() + "/url mints one) or an Authorization: Bearer API token");
    }
    serve(ctx, target(ctx, host.sandboxId(), host.port(), prefix, ""), binding);
  }

  /** Relays, then tells the router the app's status (it would otherwise answer its own 200 where the app sent no body, or a 101). */
  private void serve(Context ctx, PreviewProxy.Target t, Tunnel.Binding binding) throws Exception {
    proxy.serve(ctx.req(), ctx.res(), t, binding);
    ctx.status(ctx.res().getStatus());
  }

  private PreviewUrl open(String secret, Context ctx) {
    PreviewUrl u = urls.resolve(secret).orElseThrow(() -> new WarrenException(Problem.NOT_FOUND,
        "no open preview URL here: it is unknown, expired or revoked, or the token that minted it was revoked"));
    if (u.access() == PreviewUrl.Access.TOKEN && ctx.attribute(AccessLog.ACTOR) == null) {
      throw new WarrenException(Problem.UNAUTHORIZED, "this preview URL was minted with access \"token\": send an Authorization: Bearer "
          + "API token with it");
    }
    return u;
  }

  private static void requireSame(PreviewUrl u, PreviewHosts.Port host) {
    if (!u.sandboxId().equals(host.sandboxId()) || u.port() != host.port()) {
      throw new WarrenException(Problem.NOT_FOUND, "this preview URL opens another port or sandbox than this host's");
    }
  }

  private static String withoutSecret(String path, String query) {
    String rest = query == null ? "" : String.join("&", java.util.Arrays.stream(query.split("&"))
        .filter(p -> !p.equals(SECRET_PARAM) && !p.startsWith(SECRET_PARAM + "=")).toList());
    return (path.isEmpty() ? "/" : path) + (rest.isEmpty() ? "" : "?" + rest);
  }

  /** The path and query the app is asked for: what follows the prefix, Warren's {@code token} and {@code warren_preview} parameters left out. */
  private static PreviewProxy.Target target(Context ctx, String id, int port, String routePrefix, String prefix) {
    String tail = ctx.req().getRequestURI().substring(Math.min(routePrefix.length(), ctx.req().getRequestURI().length()));
    String query = ctx.queryString();
    String rest = query == null ? "" : String.join("&", java.util.Arrays.stream(query.split("&"))
        .filter(p -> !(p.startsWith("token=") && ctx.attribute(AccessLog.ACTOR) != null) && !p.startsWith(SECRET_PARAM + "=")).toList());
    return new PreviewProxy.Target(id, port, (tail.isEmpty() ? "/" : tail) + (rest.isEmpty() ? "" : "?" + rest), prefix);
  }

  /** The path of WARREN_PUBLIC_URL ({@code /warren} behind a proxy at https://host/warren), or "". */
  private String publicPath(Context ctx) {
    return java.net.URI.create(publicUrls.http(ctx)).getRawPath().replaceAll("/+$", "");
  }

  private static String minter(Context ctx) {
    ApiTokens.Actor a = ctx.attribute(AccessLog.ACTOR);
    return a == null ? "admin" : a.minter();
  }

  static int port(String v) {
    try {
      int p = Integer.parseInt(v);
      if (p >= 1 && p <= 65535) {
        return p;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw WarrenException.invalid("port", "port must be a TCP port number between 1 and 65535, got '" + v + "'");
  }
}
